import { Injectable } from '@nestjs/common';
import type { LedgerReason } from './domain/ledger-reason';
import type { Meta } from './domain/movement-input';
import { safeIntegerFromDatabase } from './domain/safe-integer';
import type { IdempotentOperation } from './entities/idempotency-key.entity';
import {
  LedgerDatabase,
  preparedStatement,
  type PreparedStatement,
  type SqlRunner,
} from './persistence/ledger-database';
import {
  domainErrorFromPostgres,
  PostgresErrorCode,
  postgresErrorOf,
} from './persistence/postgres-error';
import { retryTransient } from './persistence/transient-retry';

export interface KeyClaim {
  /** The ledger's key: the caller's own, or scoped to the caller. */
  key: string;
  /** The key as the caller sent it, when `key` is scoped to the caller. */
  sentKey: string | null;
  operation: IdempotentOperation;
  request: Record<string, unknown>;
}

export interface WrittenLeg {
  transactionId: number;
  walletId: number;
  amount: number;
  balanceAfter: number;
}

export interface KeyedOperation {
  operation: IdempotentOperation;
  request: Record<string, unknown>;
  legs: WrittenLeg[];
}

interface LegRow {
  id: string;
  wallet_id: string;
  amount: string;
  balance_after: string;
}

/*
 * How a movement stays exact, in one statement (one round trip, one
 * transaction, all or nothing):
 * 1. `claimed_key` inserts the idempotency key first. A second caller with the
 *    same key blocks on the primary key until the first commits (then its
 *    statement fails on the key and moves nothing: a replay, see `run`) or
 *    rolls back (then it proceeds). A key is claimed before any wallet lock,
 *    so no caller ever holds a wallet while waiting for a key: no lock cycle.
 * 2. Wallet rows are locked by the UPDATE (one wallet) or by `locked`, whose
 *    ORDER BY id sits under FOR NO KEY UPDATE, so transfers lock in ascending
 *    id order and cannot deadlock each other. Wallets are found by their
 *    profile (`wallets.profile_id` is unique, and a wallet's profile never
 *    changes). A statement whose wallets are not all there claims no key and
 *    moves nothing: the caller creates the missing wallet and tries again.
 * 3. The UPDATE computes the new balance from the latest committed row
 *    (READ COMMITTED re-reads a row it had to wait for); the CHECK constraints
 *    of `wallets` refuse an overdraft or an unsafe balance, which aborts the
 *    whole statement, key included.
 * 4. Ledger ids are drawn after the lock, so per wallet they follow the
 *    balance_after chain.
 * 5. A wallet created for the movement (first credit, first transfer in) is
 *    inserted earlier in the same transaction (see WalletService), before the
 *    key and the locks, so a refused movement leaves no wallet behind.
 */
const MOVE_ONE_WALLET = preparedStatement(
  'move_one_wallet',
  `
WITH claimed_key AS (
  INSERT INTO idempotency_keys (key, operation, request)
  SELECT $4::text, $5::text, $6::jsonb
   WHERE $4::text IS NOT NULL
     AND EXISTS (SELECT 1 FROM wallets WHERE profile_id = $1::bigint)
  RETURNING key
),
moved AS (
  UPDATE wallets
     SET cached_balance = cached_balance + $2::bigint, updated_at = now()
   WHERE profile_id = $1::bigint
     AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM claimed_key))
  RETURNING id, cached_balance
)
INSERT INTO wallet_transactions
  (wallet_id, amount, balance_after, reason, idempotency_key, client_idempotency_key, meta)
SELECT id, $2::bigint, cached_balance, $3::text, $4::text, $8::text, $7::jsonb
  FROM moved
RETURNING id, wallet_id, amount, balance_after`,
);

const TRANSFER = preparedStatement(
  'transfer',
  `
WITH both_present AS (
  SELECT count(*) = 2 AS ok FROM wallets
   WHERE profile_id IN ($1::bigint, $2::bigint)
),
claimed_key AS (
  INSERT INTO idempotency_keys (key, operation, request)
  SELECT $4::text, 'TRANSFER', $5::jsonb
   WHERE $4::text IS NOT NULL AND (SELECT ok FROM both_present)
  RETURNING key
),
locked AS (
  SELECT id, profile_id
    FROM wallets
   WHERE profile_id IN ($1::bigint, $2::bigint)
     AND (SELECT ok FROM both_present)
     AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM claimed_key))
   ORDER BY id
     FOR NO KEY UPDATE
),
moved AS (
  UPDATE wallets w
     SET cached_balance = w.cached_balance
           + CASE WHEN locked.profile_id = $1::bigint THEN -$3::bigint ELSE $3::bigint END,
         updated_at = now()
    FROM locked
   WHERE w.id = locked.id
  RETURNING w.id, w.profile_id, w.cached_balance
),
transfer AS (
  SELECT nextval('wallet_transfer_id_seq') AS id
)
INSERT INTO wallet_transactions
  (wallet_id, amount, balance_after, reason, idempotency_key, client_idempotency_key, meta, transfer_id)
SELECT moved.id,
       CASE WHEN moved.profile_id = $1::bigint THEN -$3::bigint ELSE $3::bigint END,
       moved.cached_balance,
       CASE WHEN moved.profile_id = $1::bigint THEN 'TRANSFER_OUT' ELSE 'TRANSFER_IN' END,
       $4::text,
       $7::text,
       $6::jsonb,
       transfer.id
  FROM moved CROSS JOIN transfer
 ORDER BY moved.profile_id = $1::bigint DESC
RETURNING id, wallet_id, amount, balance_after`,
);

// Batch credits (payouts) take two statements in the caller's transaction.
// CLAIM_KEYS claims every key of the batch at once, in key order, before any
// wallet is locked. CREDIT_CLAIMED then locks the wallets of the claimed
// credits in id order and writes them all: a wallet credited twice gets its
// total in one update and one ledger row per credit, balance_after chained
// in key order. So a batch, like a single movement, never holds a wallet
// while it waits for a key, and takes its wallet locks in one ascending pass.
// The batch's wallets exist: their ids were read (or created) by the caller
// before. A batch travels as a JSON array of objects (see docs/decisions.md);
// its wallet ids come as an array besides, so that the planner knows how
// many there are and finds them by index.
const CLAIM_KEYS = preparedStatement(
  'claim_keys',
  `
INSERT INTO idempotency_keys (key, operation, request)
SELECT i.key, 'CREDIT', i.request
  FROM jsonb_to_recordset($1::jsonb) AS i(key text COLLATE "C", request jsonb)
 ORDER BY i.key
ON CONFLICT (key) DO NOTHING
RETURNING key`,
);

const CREDIT_CLAIMED = preparedStatement(
  'credit_claimed',
  `
WITH input AS (
  SELECT i.*,
         sum(i.amount) OVER (PARTITION BY i.wallet_id ORDER BY i.key
                             ROWS UNBOUNDED PRECEDING) AS running,
         sum(i.amount) OVER (PARTITION BY i.wallet_id) AS total
    FROM jsonb_to_recordset($1::jsonb)
      AS i(wallet_id bigint, amount bigint, reason text, key text COLLATE "C", meta jsonb)
),
locked AS (
  SELECT id
    FROM wallets
   WHERE id = ANY ($2::bigint[])
   ORDER BY id
     FOR NO KEY UPDATE
),
moved AS (
  UPDATE wallets w
     SET cached_balance = w.cached_balance + t.total, updated_at = now()
    FROM locked l, (SELECT DISTINCT wallet_id, total FROM input) t
   WHERE w.id = l.id AND t.wallet_id = l.id
  RETURNING w.id, w.cached_balance
)
INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, idempotency_key, meta)
SELECT i.wallet_id, i.amount, m.cached_balance - i.total + i.running, i.reason, i.key, i.meta
  FROM input i JOIN moved m ON m.id = i.wallet_id
 ORDER BY i.wallet_id, i.key
RETURNING id, wallet_id, amount, balance_after, idempotency_key`,
);

const KEYED_OPERATION = preparedStatement(
  'keyed_operation',
  `
SELECT k.operation, k.request, t.id, t.wallet_id, t.amount, t.balance_after
  FROM idempotency_keys k
  LEFT JOIN wallet_transactions t ON t.idempotency_key = k.key
 WHERE k.key = $1
 ORDER BY t.id`,
);

/**
 * What a single movement's statement did: wrote its legs, found its key
 * held by an earlier movement (a replay or a conflict; in a caller's
 * transaction, that transaction is now aborted), or found a wallet missing.
 */
export type Written<T> =
  | { outcome: 'written'; legs: T }
  | { outcome: 'key-held' }
  | { outcome: 'no-wallet' };

/** Writes money movements to the ledger; validation happens before, in WalletService. */
@Injectable()
export class LedgerWriter {
  constructor(private readonly database: LedgerDatabase) {}

  /** Credits (positive `signedAmount`) or debits the profile's wallet. */
  async moveOneWallet(
    profileId: number,
    signedAmount: number,
    reason: LedgerReason,
    meta: Meta,
    claim: KeyClaim | null,
    runner: SqlRunner = this.database,
  ): Promise<Written<WrittenLeg>> {
    const written = await this.run(
      runner,
      MOVE_ONE_WALLET,
      [
        profileId,
        signedAmount,
        reason,
        claim?.key ?? null,
        claim?.operation ?? null,
        claim ? JSON.stringify(claim.request) : null,
        JSON.stringify(meta),
        claim?.sentKey ?? null,
      ],
      `profile ${profileId}`,
    );
    return written.outcome === 'written'
      ? { outcome: 'written', legs: written.legs[0] }
      : written;
  }

  /** Moves `amount` between two profiles' wallets: the debit leg, then the credit leg. */
  async transfer(
    fromProfileId: number,
    toProfileId: number,
    amount: number,
    meta: Meta,
    claim: KeyClaim | null,
    runner: SqlRunner = this.database,
  ): Promise<Written<[WrittenLeg, WrittenLeg]>> {
    const written = await this.run(
      runner,
      TRANSFER,
      [
        fromProfileId,
        toProfileId,
        amount,
        claim?.key ?? null,
        claim ? JSON.stringify(claim.request) : null,
        JSON.stringify(meta),
        claim?.sentKey ?? null,
      ],
      `transfer from profile ${fromProfileId} to profile ${toProfileId}`,
    );
    if (written.outcome !== 'written') {
      return written;
    }
    if (written.legs.length !== 2) {
      throw new Error(
        `transfer wrote ${written.legs.length} legs instead of 2`,
      );
    }
    return { outcome: 'written', legs: [written.legs[0], written.legs[1]] };
  }

  /**
   * Keyed credits in the caller's transaction: claims every key first, then
   * writes the credits whose keys it claimed. Returns the legs written, by
   * key; a credit missing from the map wrote nothing (its key was held).
   */
  async creditMany(
    credits: BatchCredit[],
    runner: SqlRunner,
  ): Promise<Map<string, WrittenLeg>> {
    try {
      const claimed = new Set(
        (
          await runner.run<{ key: string }>(CLAIM_KEYS, [
            JSON.stringify(
              credits.map((credit) => ({
                key: credit.claim.key,
                request: credit.claim.request,
              })),
            ),
          ])
        ).map((row) => row.key),
      );
      const toWrite = credits.filter((credit) => claimed.has(credit.claim.key));
      if (toWrite.length === 0) {
        return new Map();
      }
      const rows = await runner.run<LegRow & { idempotency_key: string }>(
        CREDIT_CLAIMED,
        [
          JSON.stringify(
            toWrite.map((credit) => ({
              wallet_id: credit.walletId,
              amount: credit.amount,
              reason: credit.reason,
              key: credit.claim.key,
              meta: credit.meta,
            })),
          ),
          toWrite.map((credit) => credit.walletId),
        ],
      );
      return new Map(rows.map((row) => [row.idempotency_key, toLeg(row)]));
    } catch (error) {
      throw domainErrorFromPostgres(
        error,
        `a batch of ${credits.length} credits`,
      );
    }
  }

  async findKeyedOperation(
    key: string,
    runner: SqlRunner = this.database,
  ): Promise<KeyedOperation | null> {
    const rows = await runner.run<
      Partial<LegRow> & {
        operation: IdempotentOperation;
        request: Record<string, unknown>;
      }
    >(KEYED_OPERATION, [key]);
    if (rows.length === 0) {
      return null;
    }
    return {
      operation: rows[0].operation,
      request: rows[0].request,
      legs: rows
        .filter((row): row is LegRow & typeof row => row.id != null)
        .map(toLeg),
    };
  }

  /**
   * On the pool a statement is its own transaction and is retried here; in a
   * caller's transaction the caller retries the whole transaction. A key
   * held already fails the statement on the key (a plain INSERT: see
   * docs/decisions.md), which writes nothing: `key-held`.
   */
  private async run(
    runner: SqlRunner,
    statement: PreparedStatement,
    values: unknown[],
    context: string,
  ): Promise<Written<WrittenLeg[]>> {
    try {
      const rows =
        runner === this.database
          ? await retryTransient(() => runner.run<LegRow>(statement, values))
          : await runner.run<LegRow>(statement, values);
      return rows.length === 0
        ? { outcome: 'no-wallet' }
        : { outcome: 'written', legs: rows.map(toLeg) };
    } catch (error) {
      const { code, constraint } = postgresErrorOf(error);
      if (
        code === PostgresErrorCode.UniqueViolation &&
        constraint === 'idempotency_keys_pkey'
      ) {
        return { outcome: 'key-held' };
      }
      throw domainErrorFromPostgres(error, context);
    }
  }
}

/** One credit of a batch, as LedgerWriter.creditMany takes it. */
interface BatchCredit {
  walletId: number;
  amount: number;
  reason: LedgerReason;
  meta: Meta;
  claim: KeyClaim;
}

function toLeg(row: LegRow): WrittenLeg {
  return {
    transactionId: safeIntegerFromDatabase(row.id),
    walletId: safeIntegerFromDatabase(row.wallet_id),
    amount: safeIntegerFromDatabase(row.amount),
    balanceAfter: safeIntegerFromDatabase(row.balance_after),
  };
}
