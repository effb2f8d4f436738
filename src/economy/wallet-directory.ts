import { Injectable } from '@nestjs/common';
import { safeIntegerFromDatabase } from './domain/safe-integer';
import { UnknownProfile } from './errors/economy.errors';
import {
  LedgerDatabase,
  preparedStatement,
  type SqlRunner,
} from './persistence/ledger-database';
import { domainErrorFromPostgres } from './persistence/postgres-error';

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
 * Finds a profile's wallet, creating it on demand. Nothing is cached: a
 * movement addresses its wallet by profile id (unique, and fixed for a
 * wallet's life), so it needs no lookup first.
 */
@Injectable()
export class WalletDirectory {
  constructor(private readonly database: LedgerDatabase) {}

  async hasWallet(profileId: number): Promise<boolean> {
    return (await this.database.run(FIND_WALLET, [profileId])).length > 0;
  }

  /** The profile's wallet id, creating an empty wallet if it has none. */
  async ensureWalletId(profileId: number): Promise<number> {
    return (await this.ensureWalletIds([profileId]))[0];
  }

  /**
   * `ensureWalletId` for many profiles, in their order: one statement when
   * every wallet exists, two when some must be created, a third only for
   * wallets a concurrent caller created meanwhile.
   */
  async ensureWalletIds(profileIds: number[]): Promise<number[]> {
    const found = new Map<number, number>();
    let missing = this.collect(
      found,
      [...new Set(profileIds)],
      await this.database.run<WalletProfileRow>(FIND_WALLETS, [profileIds]),
    );
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
      found.set(profileId, safeIntegerFromDatabase(row.id));
    }
    return profileIds.filter((id) => !found.has(id));
  }

  /**
   * Creates the profile's wallet, or finds the one a concurrent caller just
   * committed, through `runner`: inside a transaction the creation rolls back
   * with it.
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

  async assertProfileExists(profileId: number): Promise<void> {
    const rows = await this.database.run(FIND_PROFILE, [profileId]);
    if (rows.length === 0) {
      throw new UnknownProfile(`unknown profile ${profileId}`);
    }
  }
}
