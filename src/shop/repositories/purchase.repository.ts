import { Injectable } from '@nestjs/common';
import {
  safeIntegerFromDatabase,
  safeIntegerOrNull,
} from '../../common/safe-integer';
import {
  SqlDatabase,
  preparedStatement,
  type SqlRunner,
} from '../../database/sql-database';
import { PurchaseNotFound } from '../shop.errors';
import type {
  PurchasedLine,
  PurchaseStatus,
  PurchaseView,
} from '../shop.types';

// Lines come as one JSON array per purchase, skus and prices as bought.
export const PURCHASE_VIEW = `p.id, p.profile_id, p.status, p.total, p.hold_id, p.expires_at,
  p.transaction_id, p.refund_transaction_id, p.created_at, p.request_fingerprint,
  (SELECT json_agg(json_build_object('sku', i.sku, 'quantity', l.quantity,
                                     'unitPrice', l.unit_price) ORDER BY i.id)
     FROM purchase_lines l JOIN shop_items i ON i.id = l.item_id
    WHERE l.purchase_id = p.id) AS lines`;

const FIND = preparedStatement(
  'shop_find_purchase',
  `SELECT ${PURCHASE_VIEW} FROM purchases p WHERE p.id = $1`,
);

const BUYER = preparedStatement(
  'shop_purchase_buyer',
  `SELECT profile_id FROM purchases WHERE id = $1`,
);

// What an action needs to know, under the purchase's row lock.
const LOCK = preparedStatement(
  'shop_lock_purchase',
  `SELECT id, profile_id, status, total, hold_id FROM purchases
    WHERE id = $1 FOR NO KEY UPDATE`,
);

const BY_KEY = preparedStatement(
  'shop_purchase_by_key',
  `SELECT ${PURCHASE_VIEW} FROM purchases p WHERE p.idempotency_key = $1`,
);

const PAGE = preparedStatement(
  'shop_purchases_page',
  `SELECT ${PURCHASE_VIEW} FROM purchases p
    WHERE p.profile_id = $1 AND p.id < $2
    ORDER BY p.id DESC LIMIT $3`,
);

// The purchase as it now stands (its lines are not changed here, so the
// view's subquery reads them as the statement's snapshot has them).
const SET_STATUS = preparedStatement(
  'shop_set_purchase_status',
  `WITH changed AS (
     UPDATE purchases
        SET status = $2,
            transaction_id = coalesce($3, transaction_id),
            refund_transaction_id = $4,
            updated_at = now()
      WHERE id = $1
     RETURNING *
   )
   SELECT ${PURCHASE_VIEW} FROM changed p`,
);

const DUE = preparedStatement(
  'shop_due_purchases',
  `SELECT id FROM purchases
    WHERE status = 'PENDING' AND expires_at <= now()
    ORDER BY id LIMIT $1`,
);

// A due purchase no one else holds, locked; nothing when another
// transaction holds it or it has ended since.
const LOCK_IF_DUE = preparedStatement(
  'shop_lock_purchase_if_due',
  `SELECT ${PURCHASE_VIEW} FROM purchases p
    WHERE p.id = $1 AND p.status = 'PENDING' AND p.expires_at <= now()
      FOR UPDATE SKIP LOCKED`,
);

export interface PurchaseRow {
  id: string;
  profile_id: string;
  status: PurchaseStatus;
  total: string;
  hold_id: string;
  expires_at: Date;
  transaction_id: string | null;
  refund_transaction_id: string | null;
  created_at: Date;
  request_fingerprint: string;
  lines: (Omit<PurchasedLine, 'unitPrice'> & { unitPrice: number | string })[];
}

/** A purchase as stored: its view, and the fingerprint of the request that made it. */
export interface StoredPurchase extends PurchaseView {
  requestFingerprint: string;
}

/** What an action on a purchase needs, read under its lock. */
export type LockedPurchase = Pick<
  PurchaseView,
  'id' | 'profileId' | 'status' | 'total' | 'holdId'
>;

/** The `purchases` table and its lines. */
@Injectable()
export class PurchaseRepository {
  constructor(private readonly database: SqlDatabase) {}

  /** The purchase, or PurchaseNotFound. */
  async find(
    id: number,
    runner: SqlRunner = this.database,
  ): Promise<StoredPurchase> {
    return this.one(runner, FIND, id);
  }

  /** The profile that made the purchase; null for an unknown id. */
  async buyerOf(id: number): Promise<number | null> {
    const [row] = await this.database.run<{ profile_id: string }>(BUYER, [id]);
    return row === undefined ? null : safeIntegerFromDatabase(row.profile_id);
  }

  /** The purchase's state, locked until `transaction` ends. */
  async lock(id: number, transaction: SqlRunner): Promise<LockedPurchase> {
    const [row] = await transaction.run<{
      id: string;
      profile_id: string;
      status: PurchaseStatus;
      total: string;
      hold_id: string;
    }>(LOCK, [id]);
    if (row === undefined) {
      throw new PurchaseNotFound(`unknown purchase ${id}`);
    }
    return {
      id: safeIntegerFromDatabase(row.id),
      profileId: safeIntegerFromDatabase(row.profile_id),
      status: row.status,
      total: safeIntegerFromDatabase(row.total),
      holdId: safeIntegerFromDatabase(row.hold_id),
    };
  }

  async byKey(
    key: string,
    runner: SqlRunner = this.database,
  ): Promise<StoredPurchase | null> {
    const [row] = await runner.run<PurchaseRow>(BY_KEY, [key]);
    return row === undefined ? null : purchaseView(row);
  }

  /** The profile's purchases before id `before`, newest first. */
  async page(
    profileId: number,
    before: number,
    limit: number,
  ): Promise<PurchaseView[]> {
    return (
      await this.database.run<PurchaseRow>(PAGE, [profileId, before, limit])
    ).map(purchaseView);
  }

  /** Moves the purchase to `status`: the purchase as it now stands. */
  async setStatus(
    id: number,
    status: PurchaseStatus,
    transaction: SqlRunner,
    transactions: { captured?: number; refund?: number } = {},
  ): Promise<StoredPurchase> {
    return this.one(transaction, SET_STATUS, id, [
      status,
      transactions.captured ?? null,
      transactions.refund ?? null,
    ]);
  }

  /** Up to `limit` pending purchases past their expiry, oldest first. */
  async due(limit: number): Promise<number[]> {
    return (await this.database.run<{ id: string }>(DUE, [limit])).map((row) =>
      safeIntegerFromDatabase(row.id),
    );
  }

  /**
   * The purchase, held FOR UPDATE, if it is pending past its expiry and no
   * other transaction holds it; else null.
   */
  async lockIfDue(
    id: number,
    transaction: SqlRunner,
  ): Promise<StoredPurchase | null> {
    const [row] = await transaction.run<PurchaseRow>(LOCK_IF_DUE, [id]);
    return row === undefined ? null : purchaseView(row);
  }

  private async one(
    runner: SqlRunner,
    statement: typeof FIND,
    id: number,
    more: unknown[] = [],
  ): Promise<StoredPurchase> {
    const [row] = await runner.run<PurchaseRow>(statement, [id, ...more]);
    if (row === undefined) {
      throw new PurchaseNotFound(`unknown purchase ${id}`);
    }
    return purchaseView(row);
  }
}

export function purchaseView(row: PurchaseRow): StoredPurchase {
  return {
    id: safeIntegerFromDatabase(row.id),
    profileId: safeIntegerFromDatabase(row.profile_id),
    status: row.status,
    total: safeIntegerFromDatabase(row.total),
    lines: row.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: safeIntegerFromDatabase(line.unitPrice),
    })),
    holdId: safeIntegerFromDatabase(row.hold_id),
    expiresAt: row.expires_at,
    transactionId: safeIntegerOrNull(row.transaction_id),
    refundTransactionId: safeIntegerOrNull(row.refund_transaction_id),
    createdAt: row.created_at,
    requestFingerprint: row.request_fingerprint,
  };
}

/** What callers see of a stored purchase: all but its request's fingerprint. */
export function purchaseSeen(stored: StoredPurchase): PurchaseView {
  const view: Partial<StoredPurchase> = { ...stored };
  delete view.requestFingerprint;
  return view as PurchaseView;
}
