import { Injectable } from '@nestjs/common';
import {
  BatchCoalescer,
  type BatchHolds,
} from '../database/batches/batch-coalescer';
import { BatchLanes } from '../database/batches/batch-lanes';
import { CheckoutBatchWriter } from './checkout-batch-writer';
import type { CheckoutOrder } from './repositories/purchase-steps';
import type { PurchaseView } from './shop.types';

/** Orders one batch takes at most. */
const BATCH_LIMIT = 64;

/**
 * Group commit for checkouts (BatchCoalescer), as for movements: a batch is
 * one call of shop_checkout_batch. An order holds its profile and its key,
 * so that a key's second use reads the first's commit.
 */
@Injectable()
export class CheckoutCoalescer extends BatchCoalescer<
  CheckoutOrder,
  PurchaseView | null
> {
  constructor(writer: CheckoutBatchWriter, lanes: BatchLanes) {
    super(writer, lanes, BATCH_LIMIT);
  }

  /**
   * Queues the order: its purchase once its batch committed, or null when
   * the batch wrote nothing of it and the one-order checkout must decide (a
   * refusal, a replay, a limited item).
   */
  checkOut(order: CheckoutOrder): Promise<PurchaseView | null> {
    return this.submit(order);
  }

  protected holdsOf(order: CheckoutOrder): BatchHolds {
    return { profiles: [order.profileId], key: order.idempotencyKey };
  }
}
