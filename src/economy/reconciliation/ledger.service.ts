import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { requireInteger } from '../domain/movement-input';
import { safeIntegerFromDatabase } from '../../common/safe-integer';
import { InvalidWallet, LedgerInconsistent } from '../economy.errors';
import {
  InvariantViolationKind,
  type DriftBatch,
  type InvariantReport,
  type InvariantViolation,
  type WalletDrift,
} from './ledger.types';
import {
  PostgresErrorCode,
  postgresErrorOf,
} from '../../database/postgres-error';
import { retryTransient } from '../../database/transient-retry';

export const DEFAULT_DRIFT_BATCH_SIZE = 5000;
/** Each invariant check lists at most this many violations. */
const MAX_VIOLATIONS_PER_CHECK = 1000;

// One statement compares a batch of wallets with their ledger sums and their
// pending holds, so every side comes from one snapshot: a movement committing
// meanwhile is seen whole or not at all, never as false drift.
const DRIFT_BATCH_SQL = `
WITH batch AS (
  SELECT id, cached_balance, held
    FROM wallets
   WHERE id > $1
   ORDER BY id
   LIMIT $2
),
compared AS (
  SELECT b.id, b.cached_balance, b.held,
         coalesce((SELECT sum(t.amount)
                     FROM wallet_transactions t
                    WHERE t.wallet_id = b.id), 0) AS ledger,
         coalesce((SELECT sum(h.amount)
                     FROM holds h
                    WHERE h.wallet_id = b.id AND h.status = 'PENDING'), 0) AS pending
    FROM batch b
)
SELECT (SELECT count(*) FROM compared) AS checked,
       (SELECT max(id) FROM compared) AS last_id,
       drifted.id, drifted.cached_balance, drifted.ledger,
       drifted.held, drifted.pending
  FROM (SELECT 1) AS always_one_row
  LEFT JOIN compared drifted
    ON drifted.cached_balance <> drifted.ledger OR drifted.held <> drifted.pending
 ORDER BY drifted.id`;

/** Reconciles cached balances with the ledger and checks its invariants. */
@Injectable()
export class LedgerService {
  private readonly logger = new Logger(LedgerService.name);

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Rebuilds the wallet's cached balance from its ledger, and its held total
   * from its pending holds, under the wallet's row lock, and returns the
   * balance. The sums are read by statements that start after the lock is
   * held, so they see every movement and hold committed before us, and none
   * can commit until we do.
   */
  async recalcWallet(walletId: number): Promise<number> {
    if (!Number.isSafeInteger(walletId) || walletId <= 0) {
      throw new InvalidWallet(
        `wallet id must be a positive integer, got ${String(walletId)}`,
      );
    }
    try {
      return await retryTransient(() =>
        this.dataSource.transaction('READ COMMITTED', async (manager) => {
          const locked: { cached_balance: string; held: string }[] =
            await manager.query(
              'SELECT cached_balance, held FROM wallets WHERE id = $1 FOR NO KEY UPDATE',
              [walletId],
            );
          if (locked.length === 0) {
            throw new InvalidWallet(`unknown wallet ${walletId}`);
          }
          const [{ total, pending }]: { total: string; pending: string }[] =
            await manager.query(
              `SELECT (SELECT coalesce(sum(amount), 0) FROM wallet_transactions
                        WHERE wallet_id = $1) AS total,
                      (SELECT coalesce(sum(amount), 0) FROM holds
                        WHERE wallet_id = $1 AND status = 'PENDING') AS pending`,
              [walletId],
            );
          const cached = safeIntegerFromDatabase(locked[0].cached_balance);
          const ledger = Number(total);
          if (!Number.isSafeInteger(ledger)) {
            throw new LedgerInconsistent(
              `wallet ${walletId}: ledger sum ${total} is beyond the safe integer range`,
            );
          }
          const held = safeIntegerFromDatabase(locked[0].held);
          const heldNow = safeIntegerFromDatabase(pending);
          if (cached !== ledger || held !== heldNow) {
            await manager.query(
              'UPDATE wallets SET cached_balance = $2, held = $3, updated_at = now() WHERE id = $1',
              [walletId, ledger, heldNow],
            );
            this.logger.warn(
              `wallet ${walletId}: cached balance ${cached} corrected to ${ledger}, held ${held} to ${heldNow}`,
            );
          }
          return ledger;
        }),
      );
    } catch (error) {
      if (postgresErrorOf(error).code === PostgresErrorCode.CheckViolation) {
        throw new LedgerInconsistent(
          `wallet ${walletId}: its ledger sum breaks a wallet constraint (below zero without overdraft)`,
        );
      }
      throw error;
    }
  }

  /**
   * Walks every wallet in id order, one batch per statement, so memory stays
   * flat however many wallets there are.
   */
  async *scanDrift(
    options: { batchSize?: number; afterWalletId?: number } = {},
  ): AsyncGenerator<DriftBatch> {
    const batchSize = requireInteger(
      'batch size',
      options.batchSize ?? DEFAULT_DRIFT_BATCH_SIZE,
      1,
      100_000,
    );
    let after = requireInteger(
      'afterWalletId',
      options.afterWalletId ?? 0,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    for (;;) {
      const rows: {
        checked: string;
        last_id: string | null;
        id: string | null;
        cached_balance: string | null;
        ledger: string | null;
        held: string | null;
        pending: string | null;
      }[] = await this.dataSource.query(DRIFT_BATCH_SQL, [after, batchSize]);
      const checked = safeIntegerFromDatabase(rows[0].checked);
      if (checked === 0 || rows[0].last_id === null) {
        return;
      }
      after = safeIntegerFromDatabase(rows[0].last_id);
      const drifts = rows
        .filter((row) => row.id !== null)
        .map((row): WalletDrift => {
          const cached = safeIntegerFromDatabase(row.cached_balance!);
          const ledger = BigInt(row.ledger!);
          const held = safeIntegerFromDatabase(row.held!);
          const pending = safeIntegerFromDatabase(row.pending!);
          return {
            walletId: safeIntegerFromDatabase(row.id!),
            cached,
            ledger,
            drift: BigInt(cached) - ledger,
            ...(held === pending ? {} : { held: { cached: held, pending } }),
          };
        });
      yield { checked, lastWalletId: after, drifts };
      if (checked < batchSize) {
        return;
      }
    }
  }

  /** Every wallet whose cached balance differs from its ledger sum, streamed. */
  async *findDrift(
    options: { batchSize?: number } = {},
  ): AsyncGenerator<WalletDrift> {
    for await (const batch of this.scanDrift(options)) {
      yield* batch.drifts;
    }
  }

  async verifyInvariants(): Promise<InvariantReport> {
    const violations: InvariantViolation[] = [];
    let walletsChecked = 0;
    let truncated = false;
    for await (const batch of this.scanDrift()) {
      walletsChecked += batch.checked;
      for (const found of batch.drifts.flatMap(driftViolations)) {
        if (violations.length >= MAX_VIOLATIONS_PER_CHECK) {
          truncated = true;
          break;
        }
        violations.push(found);
      }
    }
    // Side by side; Promise.all handles every failure, and reports the first.
    const checks = await Promise.all([
      this.negativeWithoutOverdraft(),
      this.unbalancedTransfers(),
      this.brokenBalanceChains(),
    ]);
    for (const found of checks) {
      truncated ||= found.length > MAX_VIOLATIONS_PER_CHECK;
      violations.push(...found.slice(0, MAX_VIOLATIONS_PER_CHECK));
    }
    return {
      ok: violations.length === 0,
      walletsChecked,
      violations,
      truncated,
    };
  }

  private async negativeWithoutOverdraft(): Promise<InvariantViolation[]> {
    const rows: { id: string; available: string }[] =
      await this.dataSource.query(
        `SELECT id, cached_balance - held AS available FROM wallets
        WHERE NOT allow_overdraft AND cached_balance - held < 0
        ORDER BY id LIMIT $1`,
        [MAX_VIOLATIONS_PER_CHECK + 1],
      );
    return rows.map((row) => ({
      kind: InvariantViolationKind.NegativeWithoutOverdraft,
      walletId: safeIntegerFromDatabase(row.id),
      detail: `available ${row.available} without overdraft`,
    }));
  }

  private async unbalancedTransfers(): Promise<InvariantViolation[]> {
    const rows: { transfer_id: string; total: string; legs: string }[] =
      await this.dataSource.query(
        `SELECT transfer_id, sum(amount) AS total, count(*) AS legs
           FROM wallet_transactions
          WHERE transfer_id IS NOT NULL
          GROUP BY transfer_id
         HAVING sum(amount) <> 0 OR count(*) <> 2
          ORDER BY transfer_id LIMIT $1`,
        [MAX_VIOLATIONS_PER_CHECK + 1],
      );
    return rows.map((row) => ({
      kind: InvariantViolationKind.UnbalancedTransfer,
      transferId: safeIntegerFromDatabase(row.transfer_id),
      detail: `${row.legs} legs summing to ${row.total}`,
    }));
  }

  /** Per wallet, in id order, each balance_after is the previous one plus the amount. */
  private async brokenBalanceChains(): Promise<InvariantViolation[]> {
    const rows: {
      id: string;
      wallet_id: string;
      expected: string;
      balance_after: string;
    }[] = await this.dataSource.query(
      `SELECT id, wallet_id, expected, balance_after FROM (
           SELECT id, wallet_id, balance_after,
                  amount + lag(balance_after, 1, 0::bigint)
                    OVER (PARTITION BY wallet_id ORDER BY id) AS expected
             FROM wallet_transactions
         ) chained
         WHERE expected <> balance_after
         ORDER BY id LIMIT $1`,
      [MAX_VIOLATIONS_PER_CHECK + 1],
    );
    return rows.map((row) => ({
      kind: InvariantViolationKind.BrokenBalanceChain,
      walletId: safeIntegerFromDatabase(row.wallet_id),
      transactionId: safeIntegerFromDatabase(row.id),
      detail: `balance_after ${row.balance_after}, expected ${row.expected}`,
    }));
  }
}

/** What a drifted wallet breaks: its balance, its held total, or both. */
function driftViolations(drift: WalletDrift): InvariantViolation[] {
  const found: InvariantViolation[] = [];
  if (drift.drift !== 0n) {
    found.push({
      kind: InvariantViolationKind.BalanceDrift,
      walletId: drift.walletId,
      detail: `cached ${drift.cached}, ledger ${drift.ledger}`,
    });
  }
  if (drift.held !== undefined) {
    found.push({
      kind: InvariantViolationKind.HeldDrift,
      walletId: drift.walletId,
      detail: `held ${drift.held.cached}, pending holds ${drift.held.pending}`,
    });
  }
  return found;
}
