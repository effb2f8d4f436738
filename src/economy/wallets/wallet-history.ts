import { Injectable } from '@nestjs/common';
import { safeIntegerFromDatabase } from '../../common/safe-integer';
import { SqlDatabase, preparedStatement } from '../../database/sql-database';
import type { LedgerReason } from '../domain/ledger-reason';
import { requireInteger } from '../domain/movement-input';
import { shownKey } from '../idempotency/scoped-key';
import { WalletDirectory } from './wallet-directory';
import type { HistoryEntry, HistoryPage } from './wallet.types';

const MAX_HISTORY_LIMIT = 1000;
const DEFAULT_HISTORY_LIMIT = 50;

const HISTORY_COLUMNS =
  'id, amount, balance_after, reason, created_at, idempotency_key, client_idempotency_key, meta';

// Both pages walk wallet_transactions_wallet_id_id_idx backwards; the keyset
// form costs the same at any depth, the offset form grows with the offset.
const PROFILE_WALLET = '(SELECT id FROM wallets WHERE profile_id = $1)';

const HISTORY_BEFORE_CURSOR = preparedStatement(
  'economy_history_before_cursor',
  `SELECT ${HISTORY_COLUMNS} FROM wallet_transactions
    WHERE wallet_id = ${PROFILE_WALLET} AND id < $2
    ORDER BY id DESC LIMIT $3`,
);

const HISTORY_AT_OFFSET = preparedStatement(
  'economy_history_at_offset',
  `SELECT ${HISTORY_COLUMNS} FROM wallet_transactions
    WHERE wallet_id = ${PROFILE_WALLET}
    ORDER BY id DESC LIMIT $2 OFFSET $3`,
);

interface HistoryRow {
  id: string;
  amount: string;
  balance_after: string;
  reason: LedgerReason;
  created_at: Date;
  idempotency_key: string | null;
  client_idempotency_key: string | null;
  meta: Record<string, unknown>;
}

/** A wallet's ledger rows, newest first, as their owner reads them. */
@Injectable()
export class WalletHistory {
  constructor(
    private readonly database: SqlDatabase,
    private readonly directory: WalletDirectory,
  ) {}

  /**
   * `cursor` is the id of the last entry already seen: keyset pagination
   * that walks the (wallet_id, id) index at any depth.
   */
  async page(profileId: number, page: HistoryPage): Promise<HistoryEntry[]> {
    const limit = requireInteger(
      'limit',
      page.limit ?? DEFAULT_HISTORY_LIMIT,
      1,
      MAX_HISTORY_LIMIT,
    );
    const rows =
      page.cursor !== undefined
        ? await this.database.run<HistoryRow>(HISTORY_BEFORE_CURSOR, [
            profileId,
            requireInteger('cursor', page.cursor, 1, Number.MAX_SAFE_INTEGER),
            limit,
          ])
        : await this.database.run<HistoryRow>(HISTORY_AT_OFFSET, [
            profileId,
            limit,
            requireInteger(
              'offset',
              page.offset ?? 0,
              0,
              Number.MAX_SAFE_INTEGER,
            ),
          ]);
    if (rows.length === 0) {
      await this.directory.assertProfileExists(profileId);
    }
    return rows.map(historyEntry);
  }
}

function historyEntry(row: HistoryRow): HistoryEntry {
  return {
    id: safeIntegerFromDatabase(row.id),
    amount: safeIntegerFromDatabase(row.amount),
    balanceAfter: safeIntegerFromDatabase(row.balance_after),
    reason: row.reason,
    createdAt: row.created_at,
    idempotencyKey: shownKey(row.idempotency_key, row.client_idempotency_key),
    meta: row.meta,
  };
}
