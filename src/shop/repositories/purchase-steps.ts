import { Injectable } from '@nestjs/common';
import { safeIntegerFromDatabase } from '../../common/safe-integer';
import {
  SqlDatabase,
  preparedStatement,
  type SqlRunner,
} from '../../database/sql-database';
import { placeHoldSteps } from '../../economy';
import type { PurchasedLine, PurchaseView } from '../shop.types';

const MAX_SAFE_COINS = Number.MAX_SAFE_INTEGER;

/*
 * The one-order checkout, for every order a batch of checkouts leaves (a
 * refusal, a replay, a limited item: repositories/purchase-batches.ts).
 *
 * It reads the items (nothing locked) and judges the order from them:
 * every sku for sale, enough stock as read, within the per-profile limits,
 * a total a wallet can hold. Only then does it reserve the total
 * and place the hold (the wallet's lock: the hold steps' own order), store
 * the purchase and its lines, and last lock its counted items in ascending
 * id order and take their stock. The items come last so that a popular
 * item's row is locked only from its stock update to the commit; and
 * NO KEY UPDATE, as the update's own lock, since FOR UPDATE would wait on
 * the KEY SHARE locks other checkouts' purchase lines hold on the item, and
 * they on ours: a deadlock. Stock taken by others meanwhile fails the
 * statement on `shop_items_stock_check` (READ COMMITTED updates the latest
 * row), funds on `wallets_overdraft_check`, a key used before on
 * `purchases_idempotency_key_key`: each of those writes nothing.
 *
 * A limit counts the profile's pending and completed purchases, which a
 * statement sees as of its start: a purchase of the same profile committed
 * while this one waited for the wallet would be missed. So an order with a
 * limited item is judged only by a statement whose transaction locked the
 * wallet first (`walletLocked`); otherwise the statement answers LIMITED and
 * writes nothing.
 *
 * Each line records whether its stock was taken (an item counted as the
 * statement started, and still counted once locked): a cancel, refund or
 * expiry gives back only that, so an item an admin starts counting
 * meanwhile is never given stock nobody took.
 */
const CHECKOUT = preparedStatement(
  'shop_checkout',
  `
WITH wanted AS (
  SELECT * FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS w(sku, quantity, line)
),
items AS (
  SELECT i.id, i.sku, i.price, i.stock, i.per_profile_limit, i.active, w.quantity, w.line
    FROM wanted w JOIN shop_items i ON i.sku = w.sku
),
bought AS (
  SELECT l.item_id, sum(l.quantity) AS quantity
    FROM purchase_lines l JOIN purchases p ON p.id = l.purchase_id
   WHERE $8::boolean AND p.profile_id = $1::bigint
     AND p.status IN ('PENDING', 'COMPLETED')
     AND l.item_id IN (SELECT id FROM items WHERE per_profile_limit IS NOT NULL)
   GROUP BY l.item_id
),
judged AS (
  SELECT w.line, w.sku,
         CASE
           WHEN i.id IS NULL OR NOT i.active THEN 'ITEM_UNAVAILABLE'
           WHEN i.stock < w.quantity THEN 'OUT_OF_STOCK'
           WHEN i.per_profile_limit IS NOT NULL AND NOT $8::boolean THEN 'LIMITED'
           WHEN w.quantity + coalesce(b.quantity, 0) > i.per_profile_limit
             THEN 'LIMIT_EXCEEDED'
         END AS refusal
    FROM wanted w
    LEFT JOIN items i ON i.line = w.line
    LEFT JOIN bought b ON b.item_id = i.id
),
verdict AS (
  SELECT r.refusal, r.sku,
         (SELECT sum(price::numeric * quantity) FROM items) AS total,
         nextval(pg_get_serial_sequence('purchases', 'id')) AS purchase_id
    FROM (SELECT NULL) AS one
    LEFT JOIN LATERAL (
      SELECT refusal, sku FROM judged WHERE refusal IS NOT NULL
       ORDER BY CASE refusal WHEN 'ITEM_UNAVAILABLE' THEN 1 WHEN 'OUT_OF_STOCK' THEN 2
                             WHEN 'LIMITED' THEN 3 ELSE 4 END, line
       LIMIT 1
    ) r ON true
),
${placeHoldSteps({
  profileId: '$1::bigint',
  amount: '(SELECT total FROM verdict)::bigint',
  reason: "'PURCHASE'",
  expiresInSeconds: '$4::int',
  meta: "jsonb_build_object('purchaseId', (SELECT purchase_id FROM verdict))",
  when: `(SELECT refusal IS NULL AND total <= ${MAX_SAFE_COINS} FROM verdict)`,
})},
purchase AS (
  INSERT INTO purchases
    (id, profile_id, total, hold_id, expires_at, idempotency_key,
     client_idempotency_key, request_fingerprint)
  OVERRIDING SYSTEM VALUE
  SELECT v.purchase_id, $1::bigint, v.total, h.id, h.expires_at, $5, $6, $7
    FROM hold_placed h CROSS JOIN verdict v
  RETURNING id, hold_id, expires_at, created_at
),
counted AS (
  SELECT id FROM shop_items
   WHERE id IN (SELECT id FROM items) AND stock IS NOT NULL
     AND EXISTS (SELECT 1 FROM purchase)
   ORDER BY id
     FOR NO KEY UPDATE
),
taken AS (
  UPDATE shop_items s
     SET stock = s.stock - i.quantity, updated_at = now()
    FROM counted c JOIN items i ON i.id = c.id
   WHERE s.id = c.id AND s.stock IS NOT NULL
  RETURNING s.id
),
lines AS (
  INSERT INTO purchase_lines (purchase_id, item_id, quantity, unit_price, stock_taken)
  SELECT p.id, i.id, i.quantity, i.price, i.id IN (SELECT id FROM taken)
    FROM purchase p CROSS JOIN items i
)
SELECT v.refusal, v.sku, v.total, p.id, p.hold_id, p.expires_at, p.created_at,
       (SELECT json_agg(json_build_object('sku', sku, 'quantity', quantity,
                                          'unitPrice', price) ORDER BY id)
          FROM items) AS lines
  FROM verdict v LEFT JOIN purchase p ON true`,
);

const LOCK_WALLET = preparedStatement(
  'shop_lock_buyer_wallet',
  'SELECT id FROM wallets WHERE profile_id = $1 FOR NO KEY UPDATE',
);

/** Why a checkout wrote nothing, as the statement judged the order. */
export type CheckoutRefusal =
  | 'ITEM_UNAVAILABLE'
  | 'OUT_OF_STOCK'
  | 'LIMITED'
  | 'LIMIT_EXCEEDED'
  | 'TOTAL_TOO_LARGE'
  | 'NO_WALLET';

export type CheckoutOutcome =
  | { placed: PurchaseView }
  | { refusal: CheckoutRefusal; sku: string | null; total: number | null };

export interface CheckoutOrder {
  profileId: number;
  lines: { sku: string; quantity: number }[];
  expiresInSeconds: number;
  idempotencyKey: string;
  clientIdempotencyKey: string;
  requestFingerprint: string;
}

/** A purchase's one-order checkout, for what a batch leaves. */
@Injectable()
export class PurchaseSteps {
  constructor(private readonly database: SqlDatabase) {}

  /**
   * Checks the order out (on the pool, or in `transaction`, whose wallet
   * lock then lets limits be judged): the purchase placed, or why not.
   */
  async checkOut(
    order: CheckoutOrder,
    transaction?: SqlRunner,
  ): Promise<CheckoutOutcome> {
    if (
      transaction !== undefined &&
      (await transaction.run(LOCK_WALLET, [order.profileId])).length === 0
    ) {
      // No wallet to queue on, so no limit could be judged safely; and no
      // coins to pay with.
      return { refusal: 'NO_WALLET', sku: null, total: null };
    }
    const [row] = await (transaction ?? this.database).run<{
      refusal: CheckoutRefusal | null;
      sku: string | null;
      total: string | null;
      id: string | null;
      hold_id: string | null;
      expires_at: Date | null;
      created_at: Date | null;
      lines: { sku: string; quantity: number; unitPrice: number }[];
    }>(CHECKOUT, [
      order.profileId,
      order.lines.map((line) => line.sku),
      order.lines.map((line) => line.quantity),
      order.expiresInSeconds,
      order.idempotencyKey,
      order.clientIdempotencyKey,
      order.requestFingerprint,
      transaction !== undefined,
    ]);
    if (row.refusal !== null) {
      return { refusal: row.refusal, sku: row.sku, total: null };
    }
    if (BigInt(row.total!) > BigInt(MAX_SAFE_COINS)) {
      return { refusal: 'TOTAL_TOO_LARGE', sku: null, total: null };
    }
    const total = safeIntegerFromDatabase(row.total!);
    if (row.id === null) {
      return { refusal: 'NO_WALLET', sku: null, total };
    }
    return {
      placed: placedView(order, {
        id: row.id,
        holdId: row.hold_id!,
        total: row.total!,
        expiresAt: row.expires_at!,
        createdAt: row.created_at!,
        lines: row.lines,
      }),
    };
  }
}

/** A purchase just placed for `order`, from what its checkout returned. */
export function placedView(
  order: CheckoutOrder,
  row: {
    id: string;
    holdId: string;
    total: string;
    expiresAt: Date;
    createdAt: Date;
    lines: { sku: string; quantity: number; unitPrice: number | string }[];
  },
): PurchaseView {
  const lines: PurchasedLine[] = row.lines.map((line) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: safeIntegerFromDatabase(line.unitPrice),
  }));
  return {
    id: safeIntegerFromDatabase(row.id),
    profileId: order.profileId,
    status: 'PENDING',
    total: safeIntegerFromDatabase(row.total),
    lines,
    holdId: safeIntegerFromDatabase(row.holdId),
    expiresAt: row.expiresAt,
    transactionId: null,
    refundTransactionId: null,
    createdAt: row.createdAt,
  };
}
