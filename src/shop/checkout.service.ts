import { Injectable, Logger } from '@nestjs/common';
import {
  SqlDatabase,
  preparedStatement,
  type SqlRunner,
} from '../database/sql-database';
import { retryTransient } from '../database/transient-retry';
import {
  IdempotencyConflict,
  scopedLedgerKey,
  WalletService,
} from '../economy';
import { checkPurchase } from './purchase-input';
import { ItemRepository } from './repositories/item.repository';
import {
  purchaseSeen,
  PurchaseRepository,
  type StoredPurchase,
} from './repositories/purchase.repository';
import {
  InvalidShopInput,
  ItemUnavailable,
  LimitExceeded,
  OutOfStock,
} from './shop.errors';
import type { ItemView, PlacedPurchase, PurchaseRequest } from './shop.types';

// Purchases under one key wait for each other here, before any item or
// wallet lock: the second then finds the first and replays it.
const LOCK_KEY = preparedStatement(
  'shop_lock_purchase_key',
  'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
);

/**
 * Checkout: a purchase holds its total and reserves its stock in one
 * transaction, or does neither. Locks are taken in one order everywhere:
 * the purchase's key (or row), its items in ascending id order, its hold,
 * its wallet; so no two purchases, nor a purchase and a movement, wait on
 * each other in a cycle.
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);

  constructor(
    private readonly database: SqlDatabase,
    private readonly items: ItemRepository,
    private readonly purchases: PurchaseRepository,
    private readonly wallets: WalletService,
  ) {}

  /** A PENDING purchase: its total held, its stock reserved; or a replay of its key's. */
  async purchase(request: PurchaseRequest): Promise<PlacedPurchase> {
    const { lines, expiresInSeconds } = checkPurchase(request);
    const key = scopedLedgerKey(request.keyScope, request.idempotencyKey);
    return retryTransient(() =>
      this.database.transaction(async (transaction) => {
        await transaction.run(LOCK_KEY, [key]);
        const earlier = await this.purchases.byKey(key, transaction);
        if (earlier !== null) {
          return replayOf(earlier, request.requestFingerprint);
        }
        const items = await this.items.lockBySku(
          lines.map((line) => line.sku),
          transaction,
        );
        const bought = await this.checkAvailable(
          request.profileId,
          lines,
          items,
          transaction,
        );
        await this.items.takeStock(bought, transaction);
        const id = await this.purchases.nextId(transaction);
        const total = totalOf(bought);
        const hold = await this.wallets.hold(request.profileId, total, {
          reason: 'PURCHASE',
          expiresInSeconds,
          meta: { purchaseId: id },
          transaction,
        });
        await this.purchases.insert(
          {
            id,
            profileId: request.profileId,
            total,
            holdId: hold.holdId,
            idempotencyKey: key,
            clientIdempotencyKey: request.idempotencyKey,
            requestFingerprint: request.requestFingerprint,
            lines: bought,
          },
          transaction,
        );
        this.logger.log(
          `purchase ${id}: profile ${request.profileId} holds ${total} in hold ${hold.holdId}`,
        );
        const view = purchaseSeen(await this.purchases.find(id, transaction));
        return { ...view, replayed: false };
      }),
    );
  }

  /**
   * Every line's item active, in stock, and within the profile's limit
   * (counting its pending and completed purchases): what each line buys.
   */
  private async checkAvailable(
    profileId: number,
    lines: { sku: string; quantity: number }[],
    items: ItemView[],
    transaction: SqlRunner,
  ): Promise<{ itemId: number; quantity: number; unitPrice: number }[]> {
    const bySku = new Map(items.map((item) => [item.sku, item]));
    const bought = lines.map((line) => {
      const item = bySku.get(line.sku);
      if (item === undefined || !item.active) {
        throw new ItemUnavailable(`item ${line.sku} is not for sale`);
      }
      if (item.stock !== null && item.stock < line.quantity) {
        throw new OutOfStock(
          `item ${line.sku}: ${item.stock} left, ${line.quantity} asked for`,
        );
      }
      return { item, quantity: line.quantity };
    });
    const limited = bought.filter(({ item }) => item.perProfileLimit !== null);
    const before = await this.items.boughtBy(
      profileId,
      limited.map(({ item }) => item.id),
      transaction,
    );
    for (const { item, quantity } of limited) {
      if ((before.get(item.id) ?? 0) + quantity > item.perProfileLimit!) {
        throw new LimitExceeded(
          `item ${item.sku}: at most ${item.perProfileLimit} per profile`,
        );
      }
    }
    return bought.map(({ item, quantity }) => ({
      itemId: item.id,
      quantity,
      unitPrice: item.price,
    }));
  }
}

/** The purchase an earlier request with this key made, if it was the same request. */
function replayOf(
  earlier: StoredPurchase,
  requestFingerprint: string,
): PlacedPurchase {
  if (earlier.requestFingerprint !== requestFingerprint) {
    throw new IdempotencyConflict(
      'idempotency key already used for another purchase',
    );
  }
  return { ...purchaseSeen(earlier), replayed: true };
}

function totalOf(lines: { quantity: number; unitPrice: number }[]): number {
  const total = lines.reduce(
    (sum, line) => sum + BigInt(line.quantity) * BigInt(line.unitPrice),
    0n,
  );
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidShopInput('the total is more coins than a wallet holds');
  }
  return Number(total);
}
