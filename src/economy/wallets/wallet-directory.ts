import { Injectable, Logger } from '@nestjs/common';
import { safeIntegerFromDatabase } from '../../common/safe-integer';
import {
  SqlDatabase,
  preparedStatement,
  type SqlRunner,
} from '../../database/sql-database';
import { UnknownProfile } from '../economy.errors';
import { economyErrorFromPostgres } from '../economy-refusals';
import type { WalletView } from './wallet.types';

interface WalletProfileRow {
  id: string;
  profile_id: string;
}

interface WalletRow {
  id: string;
  cached_balance: string;
  held: string;
  allow_overdraft: boolean;
}

const FIND_WALLET = preparedStatement(
  'economy_find_wallet',
  'SELECT id FROM wallets WHERE profile_id = $1',
);

// ON CONFLICT waits for a concurrent creation to commit; FIND_WALLET then
// reads the winner's row in a new statement, with a fresh snapshot.
const CREATE_WALLET = preparedStatement(
  'economy_create_wallet',
  `INSERT INTO wallets (profile_id) VALUES ($1)
   ON CONFLICT (profile_id) DO NOTHING
   RETURNING id`,
);

const CREATE_WALLETS = preparedStatement(
  'economy_create_wallets',
  `INSERT INTO wallets (profile_id)
   SELECT profile_id FROM unnest($1::bigint[]) AS p(profile_id) ORDER BY profile_id
   ON CONFLICT (profile_id) DO NOTHING
   RETURNING id, profile_id`,
);

const FIND_WALLETS = preparedStatement(
  'economy_find_wallets',
  'SELECT id, profile_id FROM wallets WHERE profile_id = ANY($1::bigint[])',
);

const FIND_PROFILE = preparedStatement(
  'economy_find_profile',
  'SELECT 1 FROM profiles WHERE id = $1',
);

const WALLET_OF_PROFILE = preparedStatement(
  'economy_wallet_of_profile',
  'SELECT id, cached_balance, held, allow_overdraft FROM wallets WHERE profile_id = $1',
);

const SET_OVERDRAFT = preparedStatement(
  'economy_set_overdraft',
  `UPDATE wallets SET allow_overdraft = $2, updated_at = now()
    WHERE profile_id = $1
    RETURNING id, cached_balance, held, allow_overdraft`,
);

/**
 * Wallets by their profile: found, created on demand, read, their overdraft
 * flag set. Nothing is cached: a movement addresses its wallet by profile
 * id (unique, and fixed for a wallet's life), so it needs no lookup first.
 */
@Injectable()
export class WalletDirectory {
  private readonly logger = new Logger(WalletDirectory.name);

  constructor(private readonly database: SqlDatabase) {}

  async hasWallet(profileId: number): Promise<boolean> {
    return (await this.database.run(FIND_WALLET, [profileId])).length > 0;
  }

  /** The profile's wallet; `walletId` null and balance 0 while it has none. */
  async view(profileId: number): Promise<WalletView> {
    const rows = await this.database.run<WalletRow>(WALLET_OF_PROFILE, [
      profileId,
    ]);
    if (rows.length === 0) {
      await this.assertProfileExists(profileId);
      return {
        profileId,
        walletId: null,
        balance: 0,
        held: 0,
        available: 0,
        allowOverdraft: false,
      };
    }
    return walletView(profileId, rows[0]);
  }

  /** Sets the overdraft flag, creating the wallet if it has none. */
  async setOverdraft(profileId: number, allowed: boolean): Promise<WalletView> {
    const walletId = await this.ensureWalletId(profileId);
    let rows: WalletRow[];
    try {
      rows = await this.database.run<WalletRow>(SET_OVERDRAFT, [
        profileId,
        allowed,
      ]);
    } catch (error) {
      throw economyErrorFromPostgres(
        error,
        `wallet ${walletId} is overdrawn and keeps its overdraft until the balance is back to zero`,
      );
    }
    this.logger.log(
      `wallet ${walletId}: overdraft ${allowed ? 'allowed' : 'disallowed'}`,
    );
    return walletView(profileId, rows[0]);
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
    let missing = collect(
      found,
      [...new Set(profileIds)],
      await this.database.run<WalletProfileRow>(FIND_WALLETS, [profileIds]),
    );
    if (missing.length > 0) {
      try {
        missing = collect(
          found,
          missing,
          await this.database.run<WalletProfileRow>(CREATE_WALLETS, [missing]),
        );
      } catch (error) {
        throw economyErrorFromPostgres(error, `profiles ${missing.join(', ')}`);
      }
    }
    if (missing.length > 0) {
      collect(
        found,
        missing,
        await this.database.run<WalletProfileRow>(FIND_WALLETS, [missing]),
      );
    }
    return profileIds.map((profileId) => found.get(profileId)!);
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
      throw economyErrorFromPostgres(error, `profile ${profileId}`);
    }
  }

  async assertProfileExists(
    profileId: number,
    runner: SqlRunner = this.database,
  ): Promise<void> {
    const rows = await runner.run(FIND_PROFILE, [profileId]);
    if (rows.length === 0) {
      throw new UnknownProfile(`unknown profile ${profileId}`);
    }
  }
}

/** Adds the wallets in `rows` to `found`; returns the profiles still without one. */
function collect(
  found: Map<number, number>,
  profileIds: number[],
  rows: WalletProfileRow[],
): number[] {
  for (const row of rows) {
    found.set(
      safeIntegerFromDatabase(row.profile_id),
      safeIntegerFromDatabase(row.id),
    );
  }
  return profileIds.filter((id) => !found.has(id));
}

function walletView(profileId: number, row: WalletRow): WalletView {
  const balance = safeIntegerFromDatabase(row.cached_balance);
  const held = safeIntegerFromDatabase(row.held);
  return {
    profileId,
    walletId: safeIntegerFromDatabase(row.id),
    balance,
    held,
    available: balance - held,
    allowOverdraft: row.allow_overdraft,
  };
}
