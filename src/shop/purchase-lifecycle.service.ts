import { Injectable, Logger } from '@nestjs/common';
import { SqlDatabase, type SqlRunner } from '../database/sql-database';
import { retryTransient } from '../database/transient-retry';
import { HoldState, WalletService } from '../economy';
import { ItemRepository } from './repositories/item.repository';
import {
  purchaseSeen,
  PurchaseRepository,
  type LockedPurchase,
  type StoredPurchase,
} from './repositories/purchase.repository';
import { ShopBatchCoalescer } from './shop-batch-coalescer';
import { PurchaseState } from './shop.errors';
import type {
  PurchaseAction,
  PurchaseStatus,
  PurchaseView,
} from './shop.types';

/** The state each action ends a purchase in, and the state it starts from. */
const TRANSITIONS: Record<
  PurchaseAction,
  { from: PurchaseStatus; to: PurchaseStatus }
> = {
  confirm: { from: 'PENDING', to: 'COMPLETED' },
  cancel: { from: 'PENDING', to: 'CANCELLED' },
  refund: { from: 'COMPLETED', to: 'REFUNDED' },
};

/** Purchases past their expiry one sweep reads at a time. */
const EXPIRY_BATCH = 100;

/**
 * What happens to a purchase after checkout, each step one transaction under
 * the purchase's row lock, so that of two actions racing (a confirm and a
 * cancel, say) one wins and the other finds its end state. Repeating an
 * action on a purchase already in its end state answers the purchase and
 * moves nothing; any other transition is PurchaseState. Locks follow
 * checkout's order: the purchase, its hold and wallet, then its items.
 */
@Injectable()
export class PurchaseLifecycle {
  private readonly logger = new Logger(PurchaseLifecycle.name);

  constructor(
    private readonly database: SqlDatabase,
    private readonly items: ItemRepository,
    private readonly purchases: PurchaseRepository,
    private readonly wallets: WalletService,
    private readonly shopBatches: ShopBatchCoalescer,
  ) {}

  /** Captures the held total (ledger reason PURCHASE): the goods were granted. */
  async confirm(id: number): Promise<PurchaseView> {
    // The common case in a batch of confirms; every other one (a repeat, a
    // hold that ended or expired, an unknown id) below, which says which.
    const completed = await this.batchedConfirm(id);
    if (completed !== null) {
      this.logger.log(`purchase ${id} completed`);
      return purchaseSeen(completed);
    }
    return this.act(id, 'confirm', async (purchase, transaction) => {
      const captured = await this.capture(purchase, transaction);
      return this.purchases.setStatus(purchase.id, 'COMPLETED', transaction, {
        captured,
      });
    });
  }

  /**
   * The confirm in a batch: the purchase completed, or null for the
   * transaction below. One that a batch skipped on a row others hold goes
   * again holding its buyer's profile, so that a locked wallet's confirms
   * wait one batch at a time (ShopBatchCoalescer), for what is left of the
   * pool bound.
   */
  private async batchedConfirm(id: number): Promise<StoredPurchase | null> {
    const since = performance.now();
    const first = await this.shopBatches.confirm(id, null, since);
    if (first !== 'skipped') {
      return first;
    }
    const profileId = await retryTransient(() => this.purchases.buyerOf(id));
    if (profileId === null) {
      return null;
    }
    const again = await this.shopBatches.confirm(id, profileId, since);
    // Holding the profile, a skip goes again in a call that waits.
    return again === 'skipped' ? null : again;
  }

  /** Releases the held total and returns the stock. */
  cancel(id: number): Promise<PurchaseView> {
    return this.act(id, 'cancel', async (purchase, transaction) => {
      await this.free(purchase, 'release', transaction);
      await this.items.returnStock(purchase.id, transaction);
      return this.purchases.setStatus(purchase.id, 'CANCELLED', transaction);
    });
  }

  /**
   * Credits back what the purchase's hold captured (ledger reason REFUND):
   * its total, unless the holds API captured less of it (docs/decisions.md,
   * "A purchase's hold is settled by the shop, or taken for what it did").
   * Returns the stock.
   */
  refund(id: number): Promise<PurchaseView> {
    return this.act(id, 'refund', async (purchase, transaction) => {
      const { capturedAmount } = await this.wallets.getHold(purchase.holdId, {
        transaction,
      });
      // A completed purchase's hold was captured: the amount is there.
      const refunded = await this.wallets.credit(
        purchase.profileId,
        capturedAmount!,
        {
          reason: 'REFUND',
          idempotencyKey: `refund:purchase:${purchase.id}`,
          meta: { purchaseId: purchase.id },
          transaction,
        },
      );
      await this.items.returnStock(purchase.id, transaction);
      return this.purchases.setStatus(purchase.id, 'REFUNDED', transaction, {
        refund: refunded.transactionId,
      });
    });
  }

  /**
   * Ends every pending purchase past its expiry as EXPIRED: coins released,
   * stock returned; each in a transaction of its own, so that a sweep never
   * holds one purchase's items while it waits for another's wallet. A
   * purchase another sweep (or an action) holds is left to it. How many it
   * ended.
   */
  async expireDue(): Promise<number> {
    let expired = 0;
    for (;;) {
      const due = await this.purchases.due(EXPIRY_BATCH);
      let ended = 0;
      for (const id of due) {
        ended += (await this.expire(id)) ? 1 : 0;
      }
      expired += ended;
      // A purchase someone else held is due again at the next sweep.
      if (due.length < EXPIRY_BATCH || ended < due.length) {
        break;
      }
    }
    if (expired > 0) {
      this.logger.log(`${expired} purchases expired`);
    }
    return expired;
  }

  /** Expires the purchase if it is due and free: whether it did. */
  private expire(id: number): Promise<boolean> {
    return retryTransient(() =>
      this.database.transaction(async (transaction) => {
        const purchase = await this.purchases.lockIfDue(id, transaction);
        if (purchase === null) {
          return false;
        }
        const captured = await this.free(purchase, 'expire', transaction);
        if (captured === null) {
          await this.items.returnStock(id, transaction);
        }
        await this.purchases.setStatus(
          id,
          captured === null ? 'EXPIRED' : 'COMPLETED',
          transaction,
          { captured: captured ?? undefined },
        );
        return true;
      }),
    );
  }

  private act(
    id: number,
    action: PurchaseAction,
    step: (
      purchase: LockedPurchase,
      transaction: SqlRunner,
    ) => Promise<StoredPurchase>,
  ): Promise<PurchaseView> {
    const { from, to } = TRANSITIONS[action];
    return retryTransient(() =>
      this.database.transaction(async (transaction) => {
        const purchase = await this.purchases.lock(id, transaction);
        if (purchase.status === to) {
          return purchaseSeen(await this.purchases.find(id, transaction));
        }
        if (purchase.status !== from) {
          throw new PurchaseState(
            `purchase ${id} is ${purchase.status.toLowerCase()}: it cannot be ${action}ed`,
          );
        }
        const moved = await step(purchase, transaction);
        this.logger.log(`purchase ${id} ${to.toLowerCase()}`);
        return purchaseSeen(moved);
      }),
    );
  }

  /**
   * Captures the purchase's hold; its transaction id. A hold captured
   * already (through the holds API) is taken for what it did; one that
   * expired or was released cannot be captured.
   */
  private async capture(
    purchase: LockedPurchase,
    transaction: SqlRunner,
  ): Promise<number> {
    try {
      return (await this.wallets.capture(purchase.holdId, { transaction }))
        .transactionId;
    } catch (error) {
      const hold = await this.endedHold(purchase, error, transaction);
      if (hold.status === 'CAPTURED' && hold.transactionId !== null) {
        return hold.transactionId;
      }
      throw this.holdEnded(purchase, hold.status);
    }
  }

  /**
   * Frees the purchase's hold (released, or expired past its expiry): null;
   * or, when expiring, the transaction of a hold captured already. A hold
   * its expiry ended already is freed coins. A captured hold is never
   * released: the purchase was paid.
   */
  private async free(
    purchase: LockedPurchase,
    how: 'release' | 'expire',
    transaction: SqlRunner,
  ): Promise<number | null> {
    try {
      await (how === 'release'
        ? this.wallets.release(purchase.holdId, { transaction })
        : this.wallets.expireHold(purchase.holdId, { transaction }));
      return null;
    } catch (error) {
      const hold = await this.endedHold(purchase, error, transaction);
      if (hold.status !== 'CAPTURED') {
        return null;
      }
      if (how === 'expire' && hold.transactionId !== null) {
        return hold.transactionId;
      }
      throw this.holdEnded(purchase, hold.status);
    }
  }

  /** The purchase's hold, when `error` says it had ended; `error` otherwise. */
  private async endedHold(
    purchase: LockedPurchase,
    error: unknown,
    transaction: SqlRunner,
  ) {
    if (!(error instanceof HoldState)) {
      throw error;
    }
    return this.wallets.getHold(purchase.holdId, { transaction });
  }

  private holdEnded(purchase: LockedPurchase, status: string): PurchaseState {
    return new PurchaseState(
      `purchase ${purchase.id}: its hold ${purchase.holdId} is ${status.toLowerCase()}${status === 'PENDING' ? ' past its expiry' : ''}`,
    );
  }
}
