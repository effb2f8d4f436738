import { Injectable, Logger } from '@nestjs/common';
import { SqlDatabase, type SqlRunner } from '../database/sql-database';
import { retryTransient } from '../database/transient-retry';
import { HoldState, WalletService } from '../economy';
import { ItemRepository } from './repositories/item.repository';
import {
  purchaseSeen,
  PurchaseRepository,
  type StoredPurchase,
} from './repositories/purchase.repository';
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

/** Purchases past their expiry one sweep ends at most. */
const EXPIRY_BATCH = 100;

/**
 * What happens to a purchase after checkout, each step one transaction under
 * the purchase's row lock, so that of two actions racing (a confirm and a
 * cancel, say) one wins and the other finds its end state. Repeating an
 * action on a purchase already in its end state answers the purchase and
 * moves nothing; any other transition is PurchaseState.
 */
@Injectable()
export class PurchaseLifecycle {
  private readonly logger = new Logger(PurchaseLifecycle.name);

  constructor(
    private readonly database: SqlDatabase,
    private readonly items: ItemRepository,
    private readonly purchases: PurchaseRepository,
    private readonly wallets: WalletService,
  ) {}

  /** Captures the held total (ledger reason PURCHASE): the goods were granted. */
  confirm(id: number): Promise<PurchaseView> {
    return this.act(id, 'confirm', async (purchase, transaction) => {
      const captured = await this.capture(purchase, transaction);
      await this.purchases.setStatus(purchase.id, 'COMPLETED', transaction, {
        captured,
      });
    });
  }

  /** Releases the held total and returns the stock. */
  cancel(id: number): Promise<PurchaseView> {
    return this.act(id, 'cancel', async (purchase, transaction) => {
      await this.items.returnStock(purchase.id, transaction);
      await this.free(purchase, 'release', transaction);
      await this.purchases.setStatus(purchase.id, 'CANCELLED', transaction);
    });
  }

  /** Credits the total back (ledger reason REFUND) and returns the stock. */
  refund(id: number): Promise<PurchaseView> {
    return this.act(id, 'refund', async (purchase, transaction) => {
      await this.items.returnStock(purchase.id, transaction);
      const refunded = await this.wallets.credit(
        purchase.profileId,
        purchase.total,
        {
          reason: 'REFUND',
          idempotencyKey: `refund:purchase:${purchase.id}`,
          meta: { purchaseId: purchase.id },
          transaction,
        },
      );
      await this.purchases.setStatus(purchase.id, 'REFUNDED', transaction, {
        refund: refunded.transactionId,
      });
    });
  }

  /**
   * Ends every pending purchase past its expiry as EXPIRED: coins released,
   * stock returned. Purchases another sweep (or an action) holds are left
   * to it. How many it ended.
   */
  async expireDue(): Promise<number> {
    let expired = 0;
    for (;;) {
      const ended = await retryTransient(() =>
        this.database.transaction(async (transaction) => {
          const due = await this.purchases.lockDue(EXPIRY_BATCH, transaction);
          for (const id of due) {
            const purchase = await this.purchases.find(id, transaction);
            await this.items.returnStock(id, transaction);
            const outcome = await this.free(purchase, 'expire', transaction);
            await this.purchases.setStatus(
              id,
              outcome === null ? 'EXPIRED' : 'COMPLETED',
              transaction,
              { captured: outcome ?? undefined },
            );
          }
          return due.length;
        }),
      );
      expired += ended;
      if (ended < EXPIRY_BATCH) {
        break;
      }
    }
    if (expired > 0) {
      this.logger.log(`${expired} purchases expired`);
    }
    return expired;
  }

  private act(
    id: number,
    action: PurchaseAction,
    step: (purchase: StoredPurchase, transaction: SqlRunner) => Promise<void>,
  ): Promise<PurchaseView> {
    const { from, to } = TRANSITIONS[action];
    return retryTransient(() =>
      this.database.transaction(async (transaction) => {
        const purchase = await this.purchases.lock(id, transaction);
        if (purchase.status !== to) {
          if (purchase.status !== from) {
            throw new PurchaseState(
              `purchase ${id} is ${purchase.status.toLowerCase()}: it cannot be ${action}ed`,
            );
          }
          await step(purchase, transaction);
          this.logger.log(`purchase ${id} ${to.toLowerCase()}`);
        }
        const view = purchaseSeen(await this.purchases.find(id, transaction));
        return view;
      }),
    );
  }

  /**
   * Captures the purchase's hold; its transaction id. A hold captured
   * already (through the holds API) is taken for what it did; one that
   * expired or was released cannot be captured.
   */
  private async capture(
    purchase: StoredPurchase,
    transaction: SqlRunner,
  ): Promise<number> {
    try {
      return (await this.wallets.capture(purchase.holdId, { transaction }))
        .transactionId;
    } catch (error) {
      const hold = await this.endedHold(purchase, error);
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
    purchase: StoredPurchase,
    how: 'release' | 'expire',
    transaction: SqlRunner,
  ): Promise<number | null> {
    try {
      await (how === 'release'
        ? this.wallets.release(purchase.holdId, { transaction })
        : this.wallets.expireHold(purchase.holdId, { transaction }));
      return null;
    } catch (error) {
      const hold = await this.endedHold(purchase, error);
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
  private async endedHold(purchase: StoredPurchase, error: unknown) {
    if (!(error instanceof HoldState)) {
      throw error;
    }
    return this.wallets.getHold(purchase.holdId);
  }

  private holdEnded(purchase: StoredPurchase, status: string): PurchaseState {
    return new PurchaseState(
      `purchase ${purchase.id}: its hold ${purchase.holdId} is ${status.toLowerCase()}${status === 'PENDING' ? ' past its expiry' : ''}`,
    );
  }
}
