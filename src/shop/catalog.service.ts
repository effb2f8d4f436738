import { isIntegerBetween } from '../common/safe-integer';
import { Injectable, Logger } from '@nestjs/common';
import { SqlDatabase } from '../database/sql-database';
import { SKU_PATTERN } from './purchase-input';
import { ItemRepository } from './repositories/item.repository';
import { InvalidShopInput } from './shop.errors';
import type { ItemChanges, ItemView, NewItem } from './shop.types';

/** The shop's catalog: items, their prices, stock and limits. */
@Injectable()
export class CatalogService {
  private readonly logger = new Logger(CatalogService.name);

  constructor(
    private readonly database: SqlDatabase,
    private readonly items: ItemRepository,
  ) {}

  async add(item: NewItem): Promise<ItemView> {
    if (typeof item.sku !== 'string' || !SKU_PATTERN.test(item.sku)) {
      throw new InvalidShopInput(
        'a sku is 1 to 64 letters, digits, dots, dashes and underscores',
      );
    }
    const created = await this.items.create(
      checkItem({
        ...item,
        stock: item.stock ?? null,
        perProfileLimit: item.perProfileLimit ?? null,
        active: item.active ?? true,
        id: 0,
      }),
    );
    this.logger.log(`item ${created.id} added`);
    return created;
  }

  /** Changes what `changes` names, under the item's row lock. */
  async update(id: number, changes: ItemChanges): Promise<ItemView> {
    return this.database.transaction(async (transaction) => {
      const item = await this.items.lock(id, transaction);
      const changed = checkItem({ ...item, ...definedOf(changes) });
      this.logger.log(`item ${id} updated`);
      return this.items.write(changed, transaction);
    });
  }

  /** Active items, or every item. */
  list(includeInactive = false): Promise<ItemView[]> {
    return this.items.list(includeInactive);
  }
}

/** The item as it will be stored, checked as the database's CHECKs check it. */
function checkItem<T extends ItemView>(item: T): T {
  if (
    typeof item.name !== 'string' ||
    item.name.length === 0 ||
    item.name.length > 200
  ) {
    throw new InvalidShopInput('an item has a name of 1 to 200 characters');
  }
  if (!isIntegerBetween(item.price, 1, Number.MAX_SAFE_INTEGER)) {
    throw new InvalidShopInput('a price is whole coins, 1 to 2^53 - 1');
  }
  if (item.stock !== null && !isIntegerBetween(item.stock, 0, 2_147_483_647)) {
    throw new InvalidShopInput(
      'stock is a whole number, or null for unlimited',
    );
  }
  if (
    item.perProfileLimit !== null &&
    !isIntegerBetween(item.perProfileLimit, 1, 2_147_483_647)
  ) {
    throw new InvalidShopInput(
      'a per-profile limit is a positive whole number, or null for none',
    );
  }
  if (typeof item.active !== 'boolean') {
    throw new InvalidShopInput('active is true or false');
  }
  return item;
}

/** The members of `changes` that were given (undefined means unchanged; null means none). */
function definedOf(changes: ItemChanges): ItemChanges {
  return Object.fromEntries(
    Object.entries(changes).filter(([, value]) => value !== undefined),
  );
}
