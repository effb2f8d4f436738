import { Injectable } from '@nestjs/common';
import {
  BatchCoalescer,
  type BatchHolds,
} from '../database/batches/batch-coalescer';
import { BatchLanes } from '../database/batches/batch-lanes';
import { ShopGatheringTurn } from './shop-gathering-turn';
import {
  CheckoutBatchWriter,
  type CheckoutBatchOutcome,
  type QueuedCheckout,
} from './checkout-batch-writer';
import type { CheckoutOrder } from './repositories/purchase-steps';

/** Orders one batch takes at most. */
const BATCH_LIMIT = 64;

/**
 * Group commit for checkouts (BatchCoalescer), as for movements: a batch is
 * one call of shop_checkout_batch. An order holds its profile and its key,
 * so that a key's second use reads the first's commit. One that a first
 * call skipped on an item another transaction holds is answered `skipped`,
 * and its caller sends it again holding its skus too: then it waits for the
 * lock in a call of its own batch, and the other orders of those skus that
 * were skipped on an item wait here meanwhile, so that a locked item holds
 * one lane at most, as a locked wallet does (its profile's orders are in
 * one batch at a time: one skipped on its wallet waits in its batch's
 * call at once, holding no sku).
 */
@Injectable()
export class CheckoutCoalescer extends BatchCoalescer<
  QueuedCheckout,
  CheckoutBatchOutcome
> {
  constructor(
    writer: CheckoutBatchWriter,
    lanes: BatchLanes,
    turn: ShopGatheringTurn,
  ) {
    super(writer, lanes, BATCH_LIMIT, turn);
  }

  /**
   * Queues the order: its purchase once its batch committed; null when the
   * batch wrote nothing of it and the one-order checkout must decide (a
   * refusal, a replay, a limited item); `skipped` when it did not hold its
   * skus and a first call skipped it on an item.
   */
  checkOut(
    order: CheckoutOrder,
    holdsSkus: boolean,
  ): Promise<CheckoutBatchOutcome> {
    return this.submit({ order, holdsSkus });
  }

  protected holdsOf({ order, holdsSkus }: QueuedCheckout): BatchHolds {
    return {
      profiles: [order.profileId],
      skus: holdsSkus ? order.lines.map(({ sku }) => sku) : undefined,
      key: order.idempotencyKey,
    };
  }
}
