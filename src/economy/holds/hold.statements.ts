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
 *    or by its owner's own expiry), never captured or RELEASED.
 * 4. A capture writes the one ledger row of a hold: the captured amount
 *    leaves the balance, the whole amount leaves `held`, so whatever was not
 *    captured is released in the same statement.
 * 5. The sweeper takes due holds with SKIP LOCKED (another instance, or a
 *    capture in progress, has the others) and locks their wallets in one
 *    ascending pass, as batch credits do. (A data-modifying WITH runs to
 *    completion whether or not the main statement reads it.)
 */
export const HOLD_COLUMNS = `h.id, h.wallet_id, w.profile_id, h.amount, h.reason, h.status,
  h.expires_at, h.captured_amount, h.transaction_id, h.idempotency_key,
  h.client_idempotency_key, h.meta, h.created_at, h.closed_at`;

export const PLACE_HOLD = preparedStatement(
  'economy_place_hold',
  `
WITH claimed_key AS (
  INSERT INTO idempotency_keys (key, operation, request)
  SELECT $5::text, 'HOLD', $6::jsonb
   WHERE $5::text IS NOT NULL
     AND EXISTS (SELECT 1 FROM wallets WHERE profile_id = $1::bigint)
  RETURNING key
),
reserved AS (
  UPDATE wallets
     SET held = held + $2::bigint, updated_at = now()
   WHERE profile_id = $1::bigint
     AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM claimed_key))
  RETURNING id, profile_id, cached_balance, held
),
placed AS (
  INSERT INTO holds
    (wallet_id, amount, reason, expires_at, idempotency_key, client_idempotency_key, meta)
  SELECT id, $2::bigint, $3::text, now() + make_interval(secs => $4::int),
         $5::text, $7::text, $8::jsonb
    FROM reserved
  RETURNING *
)
SELECT h.id, h.wallet_id, r.profile_id, h.amount, h.reason, h.status,
       h.expires_at, h.captured_amount, h.transaction_id, h.idempotency_key,
       h.client_idempotency_key, h.meta, h.created_at, h.closed_at,
       r.cached_balance - r.held AS available
  FROM placed h CROSS JOIN reserved r`,
);

export const CAPTURE_HOLD = preparedStatement(
  'economy_capture_hold',
  `
WITH target AS (
  SELECT id, wallet_id, amount, reason, meta,
         coalesce($2::bigint, amount) AS captured
    FROM holds
   WHERE id = $1::bigint AND status = 'PENDING' AND expires_at > now()
     AND coalesce($2::bigint, amount) <= amount
     FOR UPDATE
),
moved AS (
  UPDATE wallets w
     SET cached_balance = w.cached_balance - t.captured,
         held = w.held - t.amount,
         updated_at = now()
    FROM target t
   WHERE w.id = t.wallet_id
  RETURNING w.id, w.cached_balance
),
leg AS (
  INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, meta)
  SELECT m.id, -t.captured, m.cached_balance, t.reason,
         t.meta || jsonb_build_object('holdId', t.id)
    FROM moved m CROSS JOIN target t
  RETURNING id, balance_after
)
UPDATE holds h
   SET status = 'CAPTURED', captured_amount = t.captured,
       transaction_id = leg.id, closed_at = now()
  FROM target t CROSS JOIN leg
 WHERE h.id = t.id
RETURNING h.id, h.captured_amount, h.transaction_id, leg.balance_after`,
);

export const RELEASE_HOLD = preparedStatement(
  'economy_release_hold',
  `
WITH target AS (
  SELECT id, wallet_id, amount
    FROM holds
   WHERE id = $1::bigint AND status = 'PENDING'
     AND ($2::text = 'RELEASED') = (expires_at > now())
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
