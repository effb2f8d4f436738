import { Injectable } from '@nestjs/common';
import type { BatchMember } from '../database/batches/batch-member';
import {
  asError,
  settleInRounds,
  writeRound,
  wroteNothing,
  type BatchRow,
  type Round,
} from '../database/batches/batch-rounds';
import { economyErrorFromPostgres } from '../economy';
import {
  PurchaseBatches,
  type CheckoutBatchRow,
  type ConfirmBatchRow,
} from './repositories/purchase-batches';
import type { CheckoutOrder } from './repositories/purchase-steps';
import type { StoredPurchase } from './repositories/purchase.repository';
import type { PurchaseView } from './shop.types';

/** An order, and whether it holds its skus (sent again after an item's skip). */
export interface QueuedCheckout {
  kind: 'checkout';
  order: CheckoutOrder;
  holdsSkus: boolean;
}

/** A confirm, and its buyer's profile once known (null: not yet). */
export interface QueuedConfirmation {
  kind: 'confirm';
  purchaseId: number;
  profileId: number | null;
}

export type ShopRequest = QueuedCheckout | QueuedConfirmation;

/** The purchase placed; null, for the one-order checkout; or skipped. */
export type CheckoutBatchOutcome = PurchaseView | null | 'skipped';

/** The purchase completed; null, for the caller's own path; or skipped. */
export type ConfirmationOutcome = StoredPurchase | null | 'skipped';

type ShopOutcome = CheckoutBatchOutcome | ConfirmationOutcome;

type ShopMember = BatchMember<ShopRequest, ShopOutcome>;

/**
 * Writes a batch of checkouts and confirms the coalescer took
 * (ShopBatchCoalescer) and answers each its own outcome (settleInRounds).
 * The first call carries both kinds, one call and one commit
 * (PurchaseBatches.firstCallOfBoth); a call that waits carries one kind
 * (shop_checkout_batch or shop_confirm_batch), so its locks keep that
 * kind's order. A first call of both that fails having written nothing
 * goes again as one first call of each kind.
 *
 * What a call skipped goes again in a call that waits, unless it does not
 * hold what its lock was: an order skipped on an item without holding its
 * skus, or a confirm skipped without holding its buyer. That one is
 * answered `skipped`, for its caller to send again holding them.
 * An order that fails a call of its own gets PostgreSQL's error as it
 * came, which the checkout reads as a one-order checkout's (a key used
 * meanwhile, stock sold meanwhile); a confirm gets it as an economy error.
 */
@Injectable()
export class ShopBatchWriter {
  constructor(private readonly batches: PurchaseBatches) {}

  settle(batch: ShopMember[], firstCallDone: () => void): Promise<void> {
    return settleInRounds(batch, firstCallDone, (round) => this.write(round));
  }

  private async write(round: Round<ShopMember>): Promise<Round<ShopMember>[]> {
    const checkouts = round.members.filter(
      ({ item }) => item.kind === 'checkout',
    );
    const confirms = round.members.filter(
      ({ item }) => item.kind === 'confirm',
    );
    if (checkouts.length > 0 && confirms.length > 0) {
      return round.wait
        ? [
            { members: checkouts, wait: true },
            { members: confirms, wait: true },
          ]
        : this.writeBoth(checkouts, confirms);
    }
    return writeRound(
      round,
      (items, wait) =>
        checkouts.length === 0
          ? this.confirm(items as QueuedConfirmation[], wait)
          : this.checkOut(items as QueuedCheckout[], wait),
      failureOf,
    );
  }

  /**
   * A first call of both kinds. If it fails having written nothing (a
   * checkout's key another transaction held past the lock bound, say), each
   * kind goes again in a first call of its own, so that one kind's failure
   * stays its own, and a batch's failure does not send its confirms alone
   * to wait without their buyers held; one that may have committed is
   * settled as any call's is.
   */
  private async writeBoth(
    checkouts: ShopMember[],
    confirms: ShopMember[],
  ): Promise<Round<ShopMember>[]> {
    let wroteNone = false;
    const rounds = await writeRound(
      { members: [...checkouts, ...confirms], wait: false },
      async (items) => {
        try {
          return await this.firstCallOfBoth(
            items.slice(0, checkouts.length) as QueuedCheckout[],
            items.slice(checkouts.length) as QueuedConfirmation[],
          );
        } catch (error) {
          if (!wroteNothing(error)) {
            throw error;
          }
          wroteNone = true;
          return [];
        }
      },
      failureOf,
    );
    // Confirms first: a checkout that failed on a held key may wait again.
    return wroteNone
      ? [
          { members: confirms, wait: false },
          { members: checkouts, wait: false },
        ]
      : rounds;
  }

  private async checkOut(
    items: QueuedCheckout[],
    wait: boolean,
  ): Promise<BatchRow<ShopOutcome>[]> {
    const rows = await this.batches.checkOutBatch(
      items.map(({ order }) => order),
      wait,
    );
    return rows.map((row) => checkoutRow(items, row));
  }

  private async confirm(
    items: QueuedConfirmation[],
    wait: boolean,
  ): Promise<BatchRow<ShopOutcome>[]> {
    const rows = await this.batches.confirmBatch(
      items.map(({ purchaseId }) => purchaseId),
      wait,
    );
    return rows.map((row) => confirmRow(items, row));
  }

  /** Both kinds' rows, by their index among the checkouts, then the confirms. */
  private async firstCallOfBoth(
    checkouts: QueuedCheckout[],
    confirms: QueuedConfirmation[],
  ): Promise<BatchRow<ShopOutcome>[]> {
    const rows = await this.batches.firstCallOfBoth(
      checkouts.map(({ order }) => order),
      confirms.map(({ purchaseId }) => purchaseId),
    );
    return [
      ...rows.checkouts.map((row) => checkoutRow(checkouts, row)),
      ...rows.confirms.map((row) => ({
        ...confirmRow(confirms, row),
        i: checkouts.length + row.i,
      })),
    ];
  }
}

function checkoutRow(
  items: QueuedCheckout[],
  { i, outcome, placed }: CheckoutBatchRow,
): BatchRow<ShopOutcome> {
  return {
    i,
    skipped:
      outcome === 'skipped' ||
      (outcome === 'item_skipped' && items[i].holdsSkus),
    value: outcome === 'item_skipped' ? 'skipped' : placed,
  };
}

function confirmRow(
  items: QueuedConfirmation[],
  { i, outcome, purchase }: ConfirmBatchRow,
): BatchRow<ShopOutcome> {
  return {
    i,
    skipped: outcome === 'skipped' && items[i].profileId !== null,
    value: outcome === 'skipped' ? 'skipped' : purchase,
  };
}

function failureOf(item: ShopRequest, error: unknown): Error {
  return item.kind === 'checkout'
    ? asError(error)
    : economyErrorFromPostgres(error, `purchase ${item.purchaseId}`);
}
