import { Injectable } from '@nestjs/common';
import { safeIntegerFromDatabase } from '../../common/safe-integer';
import {
  PostgresErrorCode,
  postgresErrorOf,
} from '../../database/postgres-error';
import {
  SqlDatabase,
  preparedStatement,
  type SqlRunner,
} from '../../database/sql-database';
import { ItemNotFound, SkuTaken } from '../shop.errors';
import type { ItemView, NewItem } from '../shop.types';

const COLUMNS = 'id, sku, name, price, stock, per_profile_limit, active';

const CREATE = preparedStatement(
  'shop_create_item',
  `INSERT INTO shop_items (sku, name, price, stock, per_profile_limit, active)
   VALUES ($1, $2, $3, $4, $5, $6)
   RETURNING ${COLUMNS}`,
);

const FIND = preparedStatement(
  'shop_find_item',
  `SELECT ${COLUMNS} FROM shop_items WHERE id = $1`,
);

const LOCK = preparedStatement(
  'shop_lock_item',
  `SELECT ${COLUMNS} FROM shop_items WHERE id = $1 FOR UPDATE`,
);

const WRITE = preparedStatement(
  'shop_write_item',
  `UPDATE shop_items
      SET name = $2, price = $3, stock = $4, per_profile_limit = $5,
          active = $6, updated_at = now()
    WHERE id = $1
   RETURNING ${COLUMNS}`,
);

const LIST = preparedStatement(
  'shop_list_items',
  `SELECT ${COLUMNS} FROM shop_items WHERE active OR $1 ORDER BY id`,
);

const LOCK_BY_SKU = preparedStatement(
  'shop_lock_items_by_sku',
  `SELECT ${COLUMNS} FROM shop_items
    WHERE sku = ANY ($1::text[])
    ORDER BY id
      FOR UPDATE`,
);

const TAKE_STOCK = preparedStatement(
  'shop_take_stock',
  `UPDATE shop_items i
      SET stock = i.stock - l.quantity, updated_at = now()
     FROM unnest($1::bigint[], $2::int[]) AS l(item_id, quantity)
    WHERE i.id = l.item_id AND i.stock IS NOT NULL`,
);

// The purchase's items, locked in ascending id order (as a purchase takes
// them), then given their stock back.
const RETURN_STOCK = preparedStatement(
  'shop_return_stock',
  `WITH locked AS (
     SELECT id FROM shop_items
      WHERE id IN (SELECT item_id FROM purchase_lines WHERE purchase_id = $1)
      ORDER BY id
        FOR UPDATE
   )
   UPDATE shop_items i
      SET stock = i.stock + l.quantity, updated_at = now()
     FROM locked JOIN purchase_lines l ON l.item_id = locked.id AND l.purchase_id = $1
    WHERE i.id = locked.id AND i.stock IS NOT NULL`,
);

const BOUGHT_BY = preparedStatement(
  'shop_bought_by',
  `SELECT l.item_id, sum(l.quantity) AS quantity
     FROM purchase_lines l JOIN purchases p ON p.id = l.purchase_id
    WHERE p.profile_id = $1 AND l.item_id = ANY ($2::bigint[])
      AND p.status IN ('PENDING', 'COMPLETED')
    GROUP BY l.item_id`,
);

interface ItemRow {
  id: string;
  sku: string;
  name: string;
  price: string;
  stock: number | null;
  per_profile_limit: number | null;
  active: boolean;
}

/** The `shop_items` table: the catalog, and each item's stock. */
@Injectable()
export class ItemRepository {
  constructor(private readonly database: SqlDatabase) {}

  async create(item: NewItem): Promise<ItemView> {
    try {
      const [row] = await this.database.run<ItemRow>(CREATE, [
        item.sku,
        item.name,
        item.price,
        item.stock ?? null,
        item.perProfileLimit ?? null,
        item.active ?? true,
      ]);
      return itemView(row);
    } catch (error) {
      const { code, constraint } = postgresErrorOf(error);
      if (
        code === PostgresErrorCode.UniqueViolation &&
        constraint === 'shop_items_sku_key'
      ) {
        throw new SkuTaken(`another item has sku ${item.sku}`);
      }
      throw error;
    }
  }

  async find(id: number, runner: SqlRunner = this.database): Promise<ItemView> {
    return this.one(runner, FIND, id);
  }

  /** The item, held FOR UPDATE until `transaction` ends. */
  lock(id: number, transaction: SqlRunner): Promise<ItemView> {
    return this.one(transaction, LOCK, id);
  }

  async write(item: ItemView, transaction: SqlRunner): Promise<ItemView> {
    const [row] = await transaction.run<ItemRow>(WRITE, [
      item.id,
      item.name,
      item.price,
      item.stock,
      item.perProfileLimit,
      item.active,
    ]);
    return itemView(row);
  }

  async list(includeInactive: boolean): Promise<ItemView[]> {
    return (await this.database.run<ItemRow>(LIST, [includeInactive])).map(
      itemView,
    );
  }

  /** The items of these skus that exist, held FOR UPDATE in ascending id order. */
  async lockBySku(skus: string[], transaction: SqlRunner): Promise<ItemView[]> {
    return (await transaction.run<ItemRow>(LOCK_BY_SKU, [skus])).map(itemView);
  }

  async takeStock(
    lines: { itemId: number; quantity: number }[],
    transaction: SqlRunner,
  ): Promise<void> {
    await transaction.run(TAKE_STOCK, [
      lines.map((line) => line.itemId),
      lines.map((line) => line.quantity),
    ]);
  }

  async returnStock(purchaseId: number, transaction: SqlRunner): Promise<void> {
    await transaction.run(RETURN_STOCK, [purchaseId]);
  }

  /** How many of each item the profile's pending and completed purchases hold. */
  async boughtBy(
    profileId: number,
    itemIds: number[],
    transaction: SqlRunner,
  ): Promise<Map<number, number>> {
    const rows = await transaction.run<{ item_id: string; quantity: string }>(
      BOUGHT_BY,
      [profileId, itemIds],
    );
    return new Map(
      rows.map((row) => [
        safeIntegerFromDatabase(row.item_id),
        safeIntegerFromDatabase(row.quantity),
      ]),
    );
  }

  private async one(
    runner: SqlRunner,
    statement: typeof FIND,
    id: number,
  ): Promise<ItemView> {
    const [row] = await runner.run<ItemRow>(statement, [id]);
    if (row === undefined) {
      throw new ItemNotFound(`unknown item ${id}`);
    }
    return itemView(row);
  }
}

function itemView(row: ItemRow): ItemView {
  return {
    id: safeIntegerFromDatabase(row.id),
    sku: row.sku,
    name: row.name,
    price: safeIntegerFromDatabase(row.price),
    stock: row.stock,
    perProfileLimit: row.per_profile_limit,
    active: row.active,
  };
}
