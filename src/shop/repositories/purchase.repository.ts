import { Injectable } from '@nestjs/common';
import { safeIntegerFromDatabase } from '../../common/safe-integer';
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
const VIEW = `p.id, p.profile_id, p.status, p.total, p.hold_id, p.expires_at,
  p.transaction_id, p.refund_transaction_id, p.created_at, p.request_fingerprint,
  (SELECT json_agg(json_build_object('sku', i.sku, 'quantity', l.quantity,
                                     'unitPrice', l.unit_price) ORDER BY i.id)
     FROM purchase_lines l JOIN shop_items i ON i.id = l.item_id
    WHERE l.purchase_id = p.id) AS lines`;

const NEXT_ID = preparedStatement(
  'shop_next_purchase_id',
  "SELECT nextval(pg_get_serial_sequence('purchases', 'id')) AS id",
);

const INSERT = preparedStatement(
  'shop_insert_purchase',
  `INSERT INTO purchases
     (id, profile_id, total, hold_id, expires_at, idempotency_key,
      client_idempotency_key, request_fingerprint)
   OVERRIDING SYSTEM VALUE
   SELECT $1, $2, $3, $4, h.expires_at, $5, $6, $7 FROM holds h WHERE h.id = $4`,
);

const INSERT_LINES = preparedStatement(
  'shop_insert_purchase_lines',
  `INSERT INTO purchase_lines (purchase_id, item_id, quantity, unit_price)
   SELECT $1, l.item_id, l.quantity, l.unit_price
     FROM unnest($2::bigint[], $3::int[], $4::bigint[]) AS l(item_id, quantity, unit_price)`,
);

const FIND = preparedStatement(
  'shop_find_purchase',
  `SELECT ${VIEW} FROM purchases p WHERE p.id = $1`,
);

const LOCK = preparedStatement(
  'shop_lock_purchase',
  `SELECT ${VIEW} FROM purchases p WHERE p.id = $1 FOR UPDATE`,
);

const BY_KEY = preparedStatement(
  'shop_purchase_by_key',
  `SELECT ${VIEW} FROM purchases p WHERE p.idempotency_key = $1`,
);

const PAGE = preparedStatement(
  'shop_purchases_page',
  `SELECT ${VIEW} FROM purchases p
    WHERE p.profile_id = $1 AND p.id < $2
    ORDER BY p.id DESC LIMIT $3`,
);

const SET_STATUS = preparedStatement(
  'shop_set_purchase_status',
  `UPDATE purchases
      SET status = $2,
          transaction_id = coalesce($3, transaction_id),
          refund_transaction_id = $4,
          updated_at = now()
    WHERE id = $1`,
);

const DUE = preparedStatement(
  'shop_due_purchases',
  `SELECT id FROM purchases
    WHERE status = 'PENDING' AND expires_at <= now()
    ORDER BY id LIMIT $1
      FOR UPDATE SKIP LOCKED`,
);

interface PurchaseRow {
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

/** A purchase to store, its hold placed. */
export interface NewPurchase {
  id: number;
  profileId: number;
  total: number;
  holdId: number;
  idempotencyKey: string;
  clientIdempotencyKey: string;
  requestFingerprint: string;
  lines: { itemId: number; quantity: number; unitPrice: number }[];
}

/** The `purchases` table and its lines. */
@Injectable()
export class PurchaseRepository {
  constructor(private readonly database: SqlDatabase) {}

  async nextId(transaction: SqlRunner): Promise<number> {
    const [{ id }] = await transaction.run<{ id: string }>(NEXT_ID, []);
    return safeIntegerFromDatabase(id);
  }

  async insert(purchase: NewPurchase, transaction: SqlRunner): Promise<void> {
    await transaction.run(INSERT, [
      purchase.id,
      purchase.profileId,
      purchase.total,
      purchase.holdId,
      purchase.idempotencyKey,
      purchase.clientIdempotencyKey,
      purchase.requestFingerprint,
    ]);
    await transaction.run(INSERT_LINES, [
      purchase.id,
      purchase.lines.map((line) => line.itemId),
      purchase.lines.map((line) => line.quantity),
      purchase.lines.map((line) => line.unitPrice),
    ]);
  }

  /** The purchase, or PurchaseNotFound. */
  async find(
    id: number,
    runner: SqlRunner = this.database,
  ): Promise<StoredPurchase> {
    return this.one(runner, FIND, id);
  }

  /** The purchase, held FOR UPDATE until `transaction` ends. */
  lock(id: number, transaction: SqlRunner): Promise<StoredPurchase> {
    return this.one(transaction, LOCK, id);
  }

  async byKey(
    key: string,
    transaction: SqlRunner,
  ): Promise<StoredPurchase | null> {
    const [row] = await transaction.run<PurchaseRow>(BY_KEY, [key]);
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

  async setStatus(
    id: number,
    status: PurchaseStatus,
    transaction: SqlRunner,
    transactions: { captured?: number; refund?: number } = {},
  ): Promise<void> {
    await transaction.run(SET_STATUS, [
      id,
      status,
      transactions.captured ?? null,
      transactions.refund ?? null,
    ]);
  }

  /** Pending purchases past their expiry, held FOR UPDATE; those others hold are skipped. */
  async lockDue(limit: number, transaction: SqlRunner): Promise<number[]> {
    return (await transaction.run<{ id: string }>(DUE, [limit])).map((row) =>
      safeIntegerFromDatabase(row.id),
    );
  }

  private async one(
    runner: SqlRunner,
    statement: typeof FIND,
    id: number,
  ): Promise<StoredPurchase> {
    const [row] = await runner.run<PurchaseRow>(statement, [id]);
    if (row === undefined) {
      throw new PurchaseNotFound(`unknown purchase ${id}`);
    }
    return purchaseView(row);
  }
}

function purchaseView(row: PurchaseRow): StoredPurchase {
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
    transactionId:
      row.transaction_id === null
        ? null
        : safeIntegerFromDatabase(row.transaction_id),
    refundTransactionId:
      row.refund_transaction_id === null
        ? null
        : safeIntegerFromDatabase(row.refund_transaction_id),
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
