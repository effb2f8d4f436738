import { Injectable } from '@nestjs/common';
import type { BatchMember } from '../database/batches/batch-member';
import {
  asError,
  settleInRounds,
  writeRound,
} from '../database/batches/batch-rounds';
import { PurchaseBatches } from './repositories/purchase-batches';
import type { CheckoutOrder } from './repositories/purchase-steps';
import type { PurchaseView } from './shop.types';

/** An order, and whether it holds its skus (sent again after an item's skip). */
export interface QueuedCheckout {
  order: CheckoutOrder;
  holdsSkus: boolean;
}

/** The purchase placed; null, for the one-order checkout; or skipped. */
export type CheckoutBatchOutcome = PurchaseView | null | 'skipped';

export type CheckoutMember = BatchMember<QueuedCheckout, CheckoutBatchOutcome>;

/**
 * Writes a batch of orders the coalescer took, with one call of
 * shop_checkout_batch, and answers each its own outcome (settleInRounds).
 * What the call skipped goes again in a call that waits, unless an item
 * was held and the order does not hold its skus: that one is answered
 * `skipped`, for its caller to send again holding them (CheckoutCoalescer).
 * An order that fails a call of its own
 * gets PostgreSQL's error as it came, which the checkout reads as a
 * one-order checkout's (a key used meanwhile, stock sold meanwhile).
 */
@Injectable()
export class CheckoutBatchWriter {
  constructor(private readonly batches: PurchaseBatches) {}

  settle(batch: CheckoutMember[], firstCallDone: () => void): Promise<void> {
    return settleInRounds(batch, firstCallDone, (round) =>
      writeRound(
        round,
        async (checkouts, wait) =>
          (
            await this.batches.checkOutBatch(
              checkouts.map(({ order }) => order),
              wait,
            )
          ).map(({ i, outcome, placed }) => ({
            i,
            skipped:
              outcome === 'skipped' ||
              (outcome === 'item_skipped' && checkouts[i].holdsSkus),
            value: outcome === 'item_skipped' ? 'skipped' : placed,
          })),
        (_, error) => asError(error),
      ),
    );
  }
}
