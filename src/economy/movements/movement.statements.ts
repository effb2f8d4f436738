import { preparedStatement } from '../../database/sql-database';

/*
 * How a movement stays exact, in one statement (one round trip, one
 * transaction, all or nothing):
 * 1. `claimed_key` (`wallet_key` in a one-wallet movement) inserts the
 *    idempotency key first. A second caller with the same key blocks on the
 *    primary key until the first commits (then its statement fails on the
 *    key and moves nothing: a replay, see `run`) or rolls back (then it
 *    proceeds). A key is claimed before any wallet lock,
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
export const MOVE_ONE_WALLET = preparedStatement(
  'economy_move_one_wallet',
  `WITH ${oneWalletSteps({
    profileId: '$1::bigint',
    amount: '$2::bigint',
    reason: '$3::text',
    key: '$4::text',
    operation: '$5::text',
    request: '$6::jsonb',
    meta: '$7::jsonb',
    sentKey: '$8::text',
    when: 'true',
  })}
SELECT id, wallet_id, amount, balance_after FROM wallet_leg`,
);

export const TRANSFER = preparedStatement(
  'economy_transfer',
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
export const CLAIM_KEYS = preparedStatement(
  'economy_claim_keys',
  `
INSERT INTO idempotency_keys (key, operation, request)
SELECT i.key, 'CREDIT', i.request
  FROM jsonb_to_recordset($1::jsonb) AS i(key text COLLATE "C", request jsonb)
 ORDER BY i.key
ON CONFLICT (key) DO NOTHING
RETURNING key`,
);

export const CREDIT_CLAIMED = preparedStatement(
  'economy_credit_claimed',
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

/**
 * WITH steps that move `amount` (signed) into the profile's wallet, under a
 * key when `key` is not null, when `when` holds: `wallet_key` (the key,
 * claimed first), `wallet_moved` (the wallet after, under its row lock) and
 * `wallet_leg` (the ledger row). A single credit or debit is these steps.
 * Each argument is an SQL expression. No wallet, or `when` false: all three are
 * empty and nothing is written. A key held already fails the statement on
 * `idempotency_keys_pkey`.
 */
function oneWalletSteps(step: {
  profileId: string;
  amount: string;
  reason: string;
  key: string;
  operation: string;
  request: string;
  meta: string;
  sentKey: string;
  when: string;
}): string {
  return `
wallet_key AS (
  INSERT INTO idempotency_keys (key, operation, request)
  SELECT ${step.key}, ${step.operation}, ${step.request}
   WHERE ${step.key} IS NOT NULL AND ${step.when}
     AND EXISTS (SELECT 1 FROM wallets WHERE profile_id = ${step.profileId})
  RETURNING key
),
wallet_moved AS (
  UPDATE wallets
     SET cached_balance = cached_balance + ${step.amount}, updated_at = now()
   WHERE profile_id = ${step.profileId} AND ${step.when}
     AND (${step.key} IS NULL OR EXISTS (SELECT 1 FROM wallet_key))
  RETURNING id, cached_balance
),
wallet_leg AS (
  INSERT INTO wallet_transactions
    (wallet_id, amount, balance_after, reason, idempotency_key, client_idempotency_key, meta)
  SELECT id, ${step.amount}, cached_balance, ${step.reason}, ${step.key}, ${step.sentKey}, ${step.meta}
    FROM wallet_moved
  RETURNING id, wallet_id, amount, balance_after
)`;
}
