import { Injectable } from '@nestjs/common';
import { safeIntegerFromDatabase } from './domain/safe-integer';
import { InvalidWallet } from './errors/economy.errors';
import {
  LedgerDatabase,
  preparedStatement,
} from './persistence/ledger-database';
import { domainErrorFromPostgres } from './persistence/postgres-error';

const CACHE_LIMIT = 100_000;

const FIND_WALLET = preparedStatement(
  'find_wallet',
  'SELECT id FROM wallets WHERE profile_id = $1',
);

// ON CONFLICT covers a concurrent creation; the caller then finds the
// winner's row with a new statement, in a fresh snapshot.
const CREATE_WALLET = preparedStatement(
  'create_wallet',
  `INSERT INTO wallets (profile_id) VALUES ($1)
   ON CONFLICT (profile_id) DO NOTHING
   RETURNING id`,
);

const FIND_PROFILE = preparedStatement(
  'find_profile',
  'SELECT 1 FROM profiles WHERE id = $1',
);

/**
 * Finds a profile's wallet, creating it on demand. A profile's wallet id never
 * changes and wallets are never deleted (a trigger forbids it), so a found id
 * is cached for the life of the process: a money movement then needs a single
 * round trip to the database.
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
    return rows.length === 0 ? null : this.remember(profileId, rows[0].id);
  }

  /** The profile's wallet id, creating an empty wallet if it has none. */
  async ensureWalletId(profileId: number): Promise<number> {
    const existing = await this.findWalletId(profileId);
    if (existing !== null) {
      return existing;
    }
    let created: { id: string }[];
    try {
      created = await this.database.run<{ id: string }>(CREATE_WALLET, [
        profileId,
      ]);
    } catch (error) {
      throw domainErrorFromPostgres(error, `profile ${profileId}`);
    }
    if (created.length > 0) {
      return this.remember(profileId, created[0].id);
    }
    const found = await this.findWalletId(profileId);
    if (found === null) {
      throw new Error(
        `wallet of profile ${profileId} was neither created nor found`,
      );
    }
    return found;
  }

  async assertProfileExists(profileId: number): Promise<void> {
    const rows = await this.database.run(FIND_PROFILE, [profileId]);
    if (rows.length === 0) {
      throw new InvalidWallet(`unknown profile ${profileId}`);
    }
  }

  private remember(profileId: number, walletId: string): number {
    const id = safeIntegerFromDatabase(walletId);
    if (this.walletIdByProfile.size >= CACHE_LIMIT) {
      this.walletIdByProfile.clear();
    }
    this.walletIdByProfile.set(profileId, id);
    return id;
  }
}
