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
  `SELECT ${COLUMNS} FROM shop_items WHERE id = $1 FOR NO KEY UPDATE`,
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

// The purchase's items whose stock its checkout took, locked in ascending
// id order (as a checkout takes them), then given that stock back.
const RETURN_STOCK = preparedStatement(
  'shop_return_stock',
  `WITH locked AS (
     SELECT id FROM shop_items
      WHERE id IN (SELECT item_id FROM purchase_lines
                    WHERE purchase_id = $1 AND stock_taken)
      ORDER BY id
        FOR NO KEY UPDATE
   )
   UPDATE shop_items i
      SET stock = i.stock + l.quantity, updated_at = now()
     FROM locked JOIN purchase_lines l
          ON l.item_id = locked.id AND l.purchase_id = $1 AND l.stock_taken
    WHERE i.id = locked.id AND i.stock IS NOT NULL`,
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

  /** The item, locked until `transaction` ends. */
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

  async returnStock(purchaseId: number, transaction: SqlRunner): Promise<void> {
    await transaction.run(RETURN_STOCK, [purchaseId]);
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
