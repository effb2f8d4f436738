import { preparedStatement } from '../../database/sql-database';

/*
 * How a hold stays exact, each step one statement:
 * 1. Placing claims the key first (as a movement does), then raises the
 *    wallet's `held` under its row lock and inserts the hold. The overdraft
 *    CHECK (`allow_overdraft OR cached_balance - held >= 0`) refuses a hold
 *    that `available` does not cover, and the whole statement with it.
 * 2. Capturing, releasing and expiring lock the hold row first (FOR UPDATE),
 *    then its wallet: every path that holds both takes them in that order,
 *    so none waits on another in a cycle. A hold that is no longer PENDING
 *    when its lock is granted (READ COMMITTED re-reads it) matches nothing:
 *    of a capture racing a release, exactly one ends it.
 * 3. A hold past its expiry is released only as EXPIRED (by the sweeper,
 *    or by its owner's own expiry), never captured or RELEASED. Judged by
 *    the clock when the lock is granted (clock_timestamp()), not when the
 *    transaction began (now()): a caller's transaction that waited for the
 *    hold's lock past its expiry must not capture it. The sweeper, one
 *    short statement of its own, reads now(), which its index can use.
 * 4. A capture writes the one ledger row of a hold: the captured amount
 *    leaves the balance, the whole amount leaves `held`, so whatever was not
 *    captured is released in the same statement.
 * 5. The sweeper takes due holds with SKIP LOCKED (another instance, or a
 *    capture in progress, has the others) and locks their wallets in one
 *    ascending pass, as batch credits do. (A data-modifying WITH runs to
 *    completion whether or not the main statement reads it.)
 * 6. Placing is also lent, as WITH steps, to a statement of a module built
 *    on holds (a purchase's checkout), so that it stays one statement; the
 *    steps keep the order above, and their names start with `hold_`, out of
 *    the caller's way. A purchase's confirm captures in batches
 *    (migrations/1764109000000-ConfirmBatches.ts), in the same order.
 */
export const HOLD_COLUMNS = `h.id, h.wallet_id, w.profile_id, h.amount, h.reason, h.status,
  h.expires_at, h.captured_amount, h.transaction_id, h.idempotency_key,
  h.client_idempotency_key, h.meta, h.created_at, h.closed_at`;

/**
 * WITH steps that reserve `amount` of the profile's wallet, when `when`
 * holds, and place the hold: `hold_reserved` (the wallet after) and
 * `hold_placed` (the hold). Each argument is an SQL expression. No wallet,
 * or `when` false: both are empty and nothing is written. A reservation
 * `available` does not cover fails the statement on
 * `wallets_overdraft_check`.
 */
export function placeHoldSteps(step: {
  profileId: string;
  amount: string;
  reason: string;
  expiresInSeconds: string;
  meta: string;
  key?: string;
  sentKey?: string;
  when: string;
}): string {
  return `
hold_reserved AS (
  UPDATE wallets
     SET held = held + ${step.amount}, updated_at = now()
   WHERE profile_id = ${step.profileId} AND ${step.when}
  RETURNING id, profile_id, cached_balance, held
),
hold_placed AS (
  INSERT INTO holds
    (wallet_id, amount, reason, expires_at, idempotency_key, client_idempotency_key, meta)
  SELECT id, ${step.amount}, ${step.reason},
         now() + make_interval(secs => ${step.expiresInSeconds}),
         ${step.key ?? 'NULL::text'}, ${step.sentKey ?? 'NULL::text'}, ${step.meta}
    FROM hold_reserved
  RETURNING *
)`;
}

export const PLACE_HOLD = preparedStatement(
  'economy_place_hold',
  `
WITH claimed_key AS (
  INSERT INTO idempotency_keys (key, operation, request)
  SELECT $5::text, 'HOLD', $6::jsonb
   WHERE $5::text IS NOT NULL
     AND EXISTS (SELECT 1 FROM wallets WHERE profile_id = $1::bigint)
  RETURNING key
),${placeHoldSteps({
    profileId: '$1::bigint',
    amount: '$2::bigint',
    reason: '$3::text',
    expiresInSeconds: '$4::int',
    key: '$5::text',
    sentKey: '$7::text',
    meta: '$8::jsonb',
    when: '($5::text IS NULL OR EXISTS (SELECT 1 FROM claimed_key))',
  })}
SELECT h.id, h.wallet_id, r.profile_id, h.amount, h.reason, h.status,
       h.expires_at, h.captured_amount, h.transaction_id, h.idempotency_key,
       h.client_idempotency_key, h.meta, h.created_at, h.closed_at,
       r.cached_balance - r.held AS available
  FROM hold_placed h CROSS JOIN hold_reserved r`,
);

/**
 * Captures the pending, unexpired hold $1, $2 of it or all when NULL; a
 * hold that cannot be captured leaves every step empty. The hold is found
 * by its key alone, locked, then judged on the version the lock returned:
 * with the state in the same WHERE, the planner may read the partial index
 * of pending holds by expiry instead, and walk every pending hold not yet
 * due (and the dead entries of closed ones) to find this one, a cost that
 * grows with the holds in flight.
 */
export const CAPTURE_HOLD = preparedStatement(
  'economy_capture_hold',
  `
WITH hold_locked AS MATERIALIZED (
  SELECT id, wallet_id, amount, reason, meta, status, expires_at
    FROM holds
   WHERE id = $1::bigint
     FOR UPDATE
),
hold_target AS (
  SELECT id, wallet_id, amount, reason, meta,
         coalesce($2::bigint, amount) AS captured
    FROM hold_locked
   WHERE status = 'PENDING' AND expires_at > clock_timestamp()
     AND coalesce($2::bigint, amount) <= amount
),
hold_moved AS (
  UPDATE wallets w
     SET cached_balance = w.cached_balance - t.captured,
         held = w.held - t.amount,
         updated_at = now()
    FROM hold_target t
   WHERE w.id = t.wallet_id
  RETURNING w.id, w.cached_balance
),
hold_leg AS (
  INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, meta)
  SELECT m.id, -t.captured, m.cached_balance, t.reason,
         t.meta || jsonb_build_object('holdId', t.id)
    FROM hold_moved m CROSS JOIN hold_target t
  RETURNING id, balance_after
),
hold_captured AS (
  UPDATE holds h
     SET status = 'CAPTURED', captured_amount = t.captured,
         transaction_id = leg.id, closed_at = now()
    FROM hold_target t CROSS JOIN hold_leg leg
   WHERE h.id = t.id
  RETURNING h.id, h.captured_amount, h.transaction_id, leg.balance_after
)
SELECT id, captured_amount, transaction_id, balance_after FROM hold_captured`,
);

export const RELEASE_HOLD = preparedStatement(
  'economy_release_hold',
  `
WITH target AS (
  SELECT id, wallet_id, amount
    FROM holds
   WHERE id = $1::bigint AND status = 'PENDING'
     AND ($2::text = 'RELEASED') = (expires_at > clock_timestamp())
     FOR UPDATE
),
freed AS (
  UPDATE wallets w
     SET held = w.held - t.amount, updated_at = now()
    FROM target t
   WHERE w.id = t.wallet_id
  RETURNING w.id
)
UPDATE holds h
   SET status = $2::text, closed_at = now()
  FROM target t CROSS JOIN freed
 WHERE h.id = t.id
RETURNING h.id`,
);

export const EXPIRE_DUE_HOLDS = preparedStatement(
  'economy_expire_due_holds',
  `
WITH due AS (
  SELECT id, wallet_id, amount
    FROM holds
   WHERE status = 'PENDING' AND expires_at <= now()
   ORDER BY id
   LIMIT $1
     FOR UPDATE SKIP LOCKED
),
totals AS (
  SELECT wallet_id, sum(amount) AS amount FROM due GROUP BY wallet_id
),
locked AS (
  SELECT id FROM wallets
   WHERE id IN (SELECT wallet_id FROM totals)
   ORDER BY id
     FOR NO KEY UPDATE
),
freed AS (
  UPDATE wallets w
     SET held = w.held - t.amount, updated_at = now()
    FROM locked l JOIN totals t ON t.wallet_id = l.id
   WHERE w.id = l.id
  RETURNING w.id
)
UPDATE holds h
   SET status = 'EXPIRED', closed_at = now()
  FROM due
 WHERE h.id = due.id
RETURNING h.id`,
);

export const FIND_HOLD = preparedStatement(
  'economy_find_hold',
  `SELECT ${HOLD_COLUMNS}
     FROM holds h JOIN wallets w ON w.id = h.wallet_id
    WHERE h.id = $1::bigint`,
);

export const FIND_HOLD_BY_KEY = preparedStatement(
  'economy_find_hold_by_key',
  `SELECT ${HOLD_COLUMNS}
     FROM holds h JOIN wallets w ON w.id = h.wallet_id
    WHERE h.idempotency_key = $1`,
);
