import { Injectable, Logger } from '@nestjs/common';
import { PostgresErrorCode, postgresErrorOf } from '../database/postgres-error';
import { SqlDatabase } from '../database/sql-database';
import { retryTransient } from '../database/transient-retry';
import {
  economyErrorFromPostgres,
  IdempotencyConflict,
  InsufficientFunds,
  scopedLedgerKey,
  WalletService,
} from '../economy';
import { checkPurchase } from './purchase-input';
import { ShopBatchCoalescer } from './shop-batch-coalescer';
import {
  PurchaseSteps,
  type CheckoutOrder,
  type CheckoutOutcome,
} from './repositories/purchase-steps';
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
import type { PlacedPurchase, PurchaseRequest } from './shop.types';

/**
 * Checkout: a purchase holds its total and reserves its stock in one
 * transaction, or does neither: in a batch of checkouts
 * (migrations/1764110000000-CheckoutBatches.ts), or alone in one statement
 * (its locking argument: repositories/purchase-steps.ts).
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);

  constructor(
    private readonly database: SqlDatabase,
    private readonly steps: PurchaseSteps,
    private readonly shopBatches: ShopBatchCoalescer,
    private readonly purchases: PurchaseRepository,
    private readonly wallets: WalletService,
  ) {}

  /**
   * A PENDING purchase: its total held, its stock reserved; or a replay of
   * its key's. A key used before is found when the checkout fails: on the
   * key's unique index (which makes a request racing the first wait for its
   * commit), or earlier on the funds, stock or limit the first purchase
   * took. Either way nothing is written and the purchase the key made is
   * answered, so a first attempt costs no lookup of its key.
   */
  async purchase(request: PurchaseRequest): Promise<PlacedPurchase> {
    const { lines, expiresInSeconds } = checkPurchase(request);
    const order: CheckoutOrder = {
      profileId: request.profileId,
      lines,
      expiresInSeconds,
      idempotencyKey: scopedLedgerKey(request.keyScope, request.idempotencyKey),
      clientIdempotencyKey: request.idempotencyKey,
      requestFingerprint: request.requestFingerprint,
    };
    try {
      const placed = await this.checkOut(order);
      this.logger.log(
        `purchase ${placed.id}: profile ${placed.profileId} holds ${placed.total} in hold ${placed.holdId}`,
      );
      return { ...placed, replayed: false };
    } catch (error) {
      const earlier = await this.purchases.byKey(order.idempotencyKey);
      if (earlier !== null) {
        return replayOf(earlier, request.requestFingerprint);
      }
      throw refusalFromPostgres(error, request.profileId);
    }
  }

  /**
   * In a batch of checkouts; what the batch leaves (a refusal, a replay, a
   * limited item) in one statement on the pool, and an order with a limited
   * item again in a transaction that locks the buyer's wallet first.
   */
  private async checkOut(order: CheckoutOrder) {
    const batched = await this.batchedCheckOut(order);
    if (batched !== null) {
      return batched;
    }
    let outcome = await retryTransient(() => this.steps.checkOut(order));
    if ('refusal' in outcome && outcome.refusal === 'LIMITED') {
      outcome = await retryTransient(() =>
        this.database.transaction(
          (transaction) => this.steps.checkOut(order, transaction),
          (result) => 'placed' in result,
        ),
      );
    }
    if ('placed' in outcome) {
      return outcome.placed;
    }
    throw await this.refusal(outcome, order.profileId);
  }

  /**
   * The order in a batch: its purchase, or null for the one-order checkout.
   * One that a batch skipped on an item others hold goes again holding its
   * skus, so that a locked item's orders wait one batch at a time
   * (ShopBatchCoalescer), for what is left of the pool bound.
   */
  private async batchedCheckOut(order: CheckoutOrder) {
    const since = performance.now();
    const first = await this.shopBatches.checkOut(order, false, since);
    if (first !== 'skipped') {
      return first;
    }
    const again = await this.shopBatches.checkOut(order, true, since);
    // Holding its skus, a skip goes again in a call that waits.
    return again === 'skipped' ? null : again;
  }

  private async refusal(
    outcome: Exclude<CheckoutOutcome, { placed: unknown }>,
    profileId: number,
  ): Promise<Error> {
    switch (outcome.refusal) {
      case 'ITEM_UNAVAILABLE':
        return new ItemUnavailable(`item ${outcome.sku} is not for sale`);
      case 'OUT_OF_STOCK':
        return new OutOfStock(`item ${outcome.sku}: not enough left`);
      case 'LIMIT_EXCEEDED':
      case 'LIMITED':
        return new LimitExceeded(
          `item ${outcome.sku}: over its per-profile limit`,
        );
      case 'TOTAL_TOO_LARGE':
        return new InvalidShopInput(
          'the total is more coins than a wallet holds',
        );
      case 'NO_WALLET':
        // An unknown profile is UnknownProfile, thrown from here.
        await this.wallets.getWallet(profileId);
        return new InsufficientFunds(
          `insufficient funds: profile ${profileId} has no wallet`,
        );
    }
  }
}

/** What the database's refusal of a checkout means to its caller. */
function refusalFromPostgres(error: unknown, profileId: number): Error {
  const { code, constraint } = postgresErrorOf(error);
  if (
    code === PostgresErrorCode.CheckViolation &&
    constraint === 'shop_items_stock_check'
  ) {
    return new OutOfStock('an item sold out while the purchase was made');
  }
  return economyErrorFromPostgres(error, `profile ${profileId}`);
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
