import { Injectable } from '@nestjs/common';
import { safeIntegerFromDatabase } from './domain/safe-integer';
import { UnknownProfile } from './errors/economy.errors';
import {
  LedgerDatabase,
  preparedStatement,
  type SqlRunner,
} from './persistence/ledger-database';
import { domainErrorFromPostgres } from './persistence/postgres-error';

const CACHE_LIMIT = 100_000;

interface WalletProfileRow {
  id: string;
  profile_id: string;
}

const FIND_WALLET = preparedStatement(
  'find_wallet',
  'SELECT id FROM wallets WHERE profile_id = $1',
);

// ON CONFLICT waits for a concurrent creation to commit; FIND_WALLET then
// reads the winner's row in a new statement, with a fresh snapshot.
const CREATE_WALLET = preparedStatement(
  'create_wallet',
  `INSERT INTO wallets (profile_id) VALUES ($1)
   ON CONFLICT (profile_id) DO NOTHING
   RETURNING id`,
);

const CREATE_WALLETS = preparedStatement(
  'create_wallets',
  `INSERT INTO wallets (profile_id)
   SELECT profile_id FROM unnest($1::bigint[]) AS p(profile_id) ORDER BY profile_id
   ON CONFLICT (profile_id) DO NOTHING
   RETURNING id, profile_id`,
);

const FIND_WALLETS = preparedStatement(
  'find_wallets',
  'SELECT id, profile_id FROM wallets WHERE profile_id = ANY($1::bigint[])',
);

const FIND_PROFILE = preparedStatement(
  'find_profile',
  'SELECT 1 FROM profiles WHERE id = $1',
);

/**
 * Finds a profile's wallet, creating it on demand. A wallet's id and profile
 * never change and wallets are never deleted (triggers forbid both), so a
 * found id is cached for the life of the process: a money movement then
 * needs a single round trip to the database.
 */
@Injectable()
export class WalletDirectory {
  private readonly walletIdByProfile = new Map<number, number>();

  constructor(private readonly database: LedgerDatabase) {}

  async findWalletId(profileId: number): Promise<number | null> {
    const cached = this.walletIdByProfile.get(profileId);
    if (cached !== undefined) {
      return cached;
    }
    const rows = await this.database.run<{ id: string }>(FIND_WALLET, [
      profileId,
    ]);
    return rows.length === 0
      ? null
      : this.rememberWallet(profileId, safeIntegerFromDatabase(rows[0].id));
  }

  /** The profile's wallet id, creating an empty wallet if it has none. */
  async ensureWalletId(profileId: number): Promise<number> {
    const existing = await this.findWalletId(profileId);
    if (existing !== null) {
      return existing;
    }
    const created = await this.createWallet(profileId, this.database);
    return this.rememberWallet(profileId, created);
  }

  /**
   * `ensureWalletId` for many profiles, whatever their number: one statement
   * when every wallet exists, two when some must be created, a third only
   * for wallets a concurrent caller created meanwhile.
   */
  async ensureWalletIds(profileIds: number[]): Promise<number[]> {
    // A local map, not the cache: the cache may be cleared meanwhile.
    const found = new Map<number, number>();
    for (const profileId of profileIds) {
      const cached = this.walletIdByProfile.get(profileId);
      if (cached !== undefined) {
        found.set(profileId, cached);
      }
    }
    let missing = [...new Set(profileIds.filter((id) => !found.has(id)))];
    if (missing.length > 0) {
      missing = this.collect(
        found,
        missing,
        await this.database.run<WalletProfileRow>(FIND_WALLETS, [missing]),
      );
    }
    if (missing.length > 0) {
      try {
        missing = this.collect(
          found,
          missing,
          await this.database.run<WalletProfileRow>(CREATE_WALLETS, [missing]),
        );
      } catch (error) {
        throw domainErrorFromPostgres(error, `profiles ${missing.join(', ')}`);
      }
    }
    if (missing.length > 0) {
      this.collect(
        found,
        missing,
        await this.database.run<WalletProfileRow>(FIND_WALLETS, [missing]),
      );
    }
    return profileIds.map((profileId) => found.get(profileId)!);
  }

  /** Adds the wallets in `rows` to `found`; returns the profiles still without one. */
  private collect(
    found: Map<number, number>,
    profileIds: number[],
    rows: WalletProfileRow[],
  ): number[] {
    for (const row of rows) {
      const profileId = safeIntegerFromDatabase(row.profile_id);
      found.set(
        profileId,
        this.rememberWallet(profileId, safeIntegerFromDatabase(row.id)),
      );
    }
    return profileIds.filter((id) => !found.has(id));
  }

  /**
   * Creates the profile's wallet, or finds the one a concurrent caller just
   * committed, through `runner`: inside a transaction the creation rolls back
   * with it, so the caller remembers the id only once it has committed.
   */
  async createWallet(profileId: number, runner: SqlRunner): Promise<number> {
    try {
      const [created] = await runner.run<{ id: string }>(CREATE_WALLET, [
        profileId,
      ]);
      const [found] = created
        ? [created]
        : await runner.run<{ id: string }>(FIND_WALLET, [profileId]);
      return safeIntegerFromDatabase(found.id);
    } catch (error) {
      throw domainErrorFromPostgres(error, `profile ${profileId}`);
    }
  }

  rememberWallet(profileId: number, walletId: number): number {
    if (this.walletIdByProfile.size >= CACHE_LIMIT) {
      this.walletIdByProfile.clear();
    }
    this.walletIdByProfile.set(profileId, walletId);
    return walletId;
  }

  /** Drops a cached id the database no longer knows (a restored database). */
  forgetWallet(profileId: number): void {
    this.walletIdByProfile.delete(profileId);
  }

  async assertProfileExists(profileId: number): Promise<void> {
    const rows = await this.database.run(FIND_PROFILE, [profileId]);
    if (rows.length === 0) {
      throw new UnknownProfile(`unknown profile ${profileId}`);
    }
  }
}
