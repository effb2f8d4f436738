import { Injectable } from '@nestjs/common';
import type { PurchaseView } from '../shop.types';
import { preparedStatement, SqlDatabase } from '../../database/sql-database';
import { placedView, type CheckoutOrder } from './purchase-steps';
import {
  PURCHASE_VIEW,
  purchaseView,
  type PurchaseRow,
  type StoredPurchase,
} from './purchase.repository';

/*
 * A purchase's two common steps in batches: checkouts
 * (migrations/1764110000000-CheckoutBatches.ts) and confirms
 * (migrations/1764109000000-ConfirmBatches.ts), where each function's
 * steps and locking argument are. What a batch leaves, PurchaseSteps and
 * the purchase life cycle decide alone.
 */

// Orders as parallel arrays: one entry an order, and its lines flattened
// with the (1-based) order each belongs to; the purchase placed named as the
// purchase view names it, so that a call of both kinds shares its columns.
const checkoutRows = (wait: string) =>
  `SELECT c.i, c.outcome, c.purchase_id AS id, c.hold_id, c.total, c.expires_at,
          c.created_at, c.lines
     FROM shop_checkout_batch($1::bigint[], $2::int[], $3::text[], $4::text[],
                              $5::text[], $6::int[], $7::text[], $8::int[], ${wait}) c`;

// The purchase a confirm completed, as the batch's update left it; its
// lines are not changed there, so the view's subquery reads them as the
// statement's snapshot has them.
const confirmRows = (ids: string, wait: string) =>
  `SELECT b.i, b.outcome, ${PURCHASE_VIEW}
     FROM shop_confirm_batch(${ids}::bigint[], ${wait}) b
     LEFT JOIN LATERAL (SELECT (b.purchase).*) p ON true`;

const CHECKOUT_BATCH = preparedStatement(
  'shop_checkout_batch',
  checkoutRows('$9::boolean'),
);

const CONFIRM_BATCH = preparedStatement(
  'shop_confirm_batch',
  confirmRows('$1', '$2::boolean'),
);

// A first call of both kinds, one statement and one commit: checkouts, then
// confirms (an Append runs its branches in order), a checkout's row in the
// purchase view's columns. Only first
// calls go together: neither function's first call waits for a row lock
// (each skips locked rows), so two kinds' locks in one transaction close no
// cycle; a waiting call carries one kind, whose locks it takes in that
// kind's order. The one wait left, a purchase key another transaction
// inserted (CheckoutBatches), comes first, before the confirms lock anything.
const SHOP_BATCH = preparedStatement(
  'shop_batch',
  `SELECT 'checkout' AS kind, rows.i, rows.outcome, rows.id, NULL AS profile_id,
          NULL AS status, rows.total, rows.hold_id, rows.expires_at,
          NULL AS transaction_id, NULL AS refund_transaction_id, rows.created_at,
          NULL AS request_fingerprint, rows.lines
     FROM (${checkoutRows('false')}) rows
   UNION ALL
   SELECT 'confirm', rows.* FROM (${confirmRows('$9', 'false')}) rows`,
);

/** What a batch of checkouts did with one of its orders. */
export interface CheckoutBatchRow {
  i: number;
  outcome: 'placed' | 'skipped' | 'item_skipped' | 'alone';
  /** The purchase placed; null for the other outcomes. */
  placed: PurchaseView | null;
}

/** What a batch of confirms did with one of them. */
export interface ConfirmBatchRow {
  i: number;
  outcome: 'completed' | 'skipped' | 'alone';
  /** The completed purchase; null for the other outcomes. */
  purchase: StoredPurchase | null;
}

/** The batch functions' calls, for the shop's batch writer (ShopBatchWriter). */
@Injectable()
export class PurchaseBatches {
  constructor(private readonly database: SqlDatabase) {}

  /**
   * Checks a batch of orders out (the first call skipping wallets and items
   * others hold, unless `wait`): for each, by its index, `placed` and the
   * purchase; `skipped` (its wallet was held) or `item_skipped` (an item
   * was), nothing written; or `alone`, nothing written and for checkOut to
   * decide (a refusal, a replay, a limited item).
   */
  async checkOutBatch(
    orders: CheckoutOrder[],
    wait: boolean,
  ): Promise<CheckoutBatchRow[]> {
    const rows = await this.database.run<CheckoutRow>(CHECKOUT_BATCH, [
      ...checkoutArguments(orders),
      wait,
    ]);
    return rows.map((row) => checkoutBatchRow(orders, row));
  }

  /**
   * Confirms a batch of purchases (the first call skipping rows others
   * hold, unless `wait`): for each, by its index, `completed` and the
   * purchase now; `skipped`, nothing written; or `alone`, nothing written
   * and for the caller's own path to decide (not pending, unknown, a hold
   * that ended or expired).
   */
  async confirmBatch(ids: number[], wait: boolean): Promise<ConfirmBatchRow[]> {
    const rows = await this.database.run<ConfirmRow>(CONFIRM_BATCH, [
      ids,
      wait,
    ]);
    return rows.map(confirmBatchRow);
  }

  /**
   * A first call of both kinds in one transaction: the checkouts of
   * `orders`, then the confirms of `purchaseIds`, each answered as
   * confirmBatch and checkOutBatch answer them (locked rows skipped).
   */
  async firstCallOfBoth(
    orders: CheckoutOrder[],
    purchaseIds: number[],
  ): Promise<{ checkouts: CheckoutBatchRow[]; confirms: ConfirmBatchRow[] }> {
    const rows = await this.database.run<
      ({ kind: 'checkout' } & CheckoutRow) | ({ kind: 'confirm' } & ConfirmRow)
    >(SHOP_BATCH, [...checkoutArguments(orders), purchaseIds]);
    const checkouts: CheckoutBatchRow[] = [];
    const confirms: ConfirmBatchRow[] = [];
    for (const row of rows) {
      if (row.kind === 'checkout') {
        checkouts.push(checkoutBatchRow(orders, row));
      } else {
        confirms.push(confirmBatchRow(row));
      }
    }
    return { checkouts, confirms };
  }
}

/** A row of shop_checkout_batch. */
interface CheckoutRow {
  i: number;
  outcome: CheckoutBatchRow['outcome'];
  id: string | null;
  hold_id: string | null;
  total: string | null;
  expires_at: Date | null;
  created_at: Date | null;
  lines: { sku: string; quantity: number; unitPrice: number }[] | null;
}

type ConfirmRow = {
  i: number;
  outcome: ConfirmBatchRow['outcome'];
} & PurchaseRow;

/** The orders as the checkout function's first eight arguments. */
function checkoutArguments(orders: CheckoutOrder[]): unknown[] {
  const lines = orders.flatMap((order, index) =>
    order.lines.map((line) => ({ ...line, order: index + 1 })),
  );
  return [
    orders.map((order) => order.profileId),
    orders.map((order) => order.expiresInSeconds),
    orders.map((order) => order.idempotencyKey),
    orders.map((order) => order.clientIdempotencyKey),
    orders.map((order) => order.requestFingerprint),
    lines.map((line) => line.order),
    lines.map((line) => line.sku),
    lines.map((line) => line.quantity),
  ];
}

function checkoutBatchRow(
  orders: CheckoutOrder[],
  row: CheckoutRow,
): CheckoutBatchRow {
  return {
    i: row.i,
    outcome: row.outcome,
    placed:
      row.outcome === 'placed'
        ? placedView(orders[row.i], {
            id: row.id!,
            holdId: row.hold_id!,
            total: row.total!,
            expiresAt: row.expires_at!,
            createdAt: row.created_at!,
            lines: row.lines!,
          })
        : null,
  };
}

function confirmBatchRow(row: ConfirmRow): ConfirmBatchRow {
  return {
    i: row.i,
    outcome: row.outcome,
    purchase: row.outcome === 'completed' ? purchaseView(row) : null,
  };
}
