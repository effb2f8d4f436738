import { Injectable } from '@nestjs/common';
import {
  BatchCoalescer,
  type BatchHolds,
} from '../database/batches/batch-coalescer';
import { BatchLanes } from '../database/batches/batch-lanes';
import type { CheckoutOrder } from './repositories/purchase-steps';
import {
  ShopBatchWriter,
  type CheckoutBatchOutcome,
  type ConfirmationOutcome,
  type ShopRequest,
} from './shop-batch-writer';

/** Requests one batch takes at most. */
const BATCH_LIMIT = 64;

/**
 * Group commit for the shop (BatchCoalescer), as for movements: checkouts
 * and confirms queue together, and a batch's first call writes both kinds
 * with one commit (ShopBatchWriter), since a purchase is one of each.
 *
 * An order holds its profile and its key, so that a key's second use reads
 * the first's commit. One that a first call skipped on an item another
 * transaction holds is answered `skipped`, and its caller sends it again
 * holding its skus too: then it waits for the lock in a call of its own
 * batch, and the other orders of those skus that were skipped on an item
 * wait here meanwhile, so that a locked item holds one lane at most, as a
 * locked wallet does (its profile's orders are in one batch at a time: one
 * skipped on its wallet waits in its batch's call at once, holding no sku).
 *
 * A confirm holds its purchase, so that one purchase is never twice in a
 * running batch. Its buyer is not known when it comes; one that a first
 * call skipped (a row another transaction held) is answered `skipped`, and
 * its caller sends it again holding the buyer's profile, for the same
 * reason.
 */
@Injectable()
export class ShopBatchCoalescer extends BatchCoalescer<
  ShopRequest,
  CheckoutBatchOutcome | ConfirmationOutcome
> {
  constructor(writer: ShopBatchWriter, lanes: BatchLanes) {
    super(writer, lanes, BATCH_LIMIT);
  }

  /**
   * Queues the order: its purchase once its batch committed; null when the
   * batch wrote nothing of it and the one-order checkout must decide (a
   * refusal, a replay, a limited item); `skipped` when it did not hold its
   * skus and a first call skipped it on an item. `since`: when the order
   * first queued, for one sent again (BatchCoalescer.submit).
   */
  checkOut(
    order: CheckoutOrder,
    holdsSkus: boolean,
    since?: number,
  ): Promise<CheckoutBatchOutcome> {
    return this.submit({ kind: 'checkout', order, holdsSkus }, since);
  }

  /**
   * Queues the confirm: the purchase completed once its batch committed;
   * null when the batch wrote nothing of it and the caller's own path must
   * decide (not pending, unknown, a hold that ended or expired); `skipped`
   * when its buyer was not given and a first call skipped it. `since`: when
   * the confirm first queued, for one sent again (BatchCoalescer.submit).
   */
  confirm(
    purchaseId: number,
    profileId: number | null,
    since?: number,
  ): Promise<ConfirmationOutcome> {
    return this.submit(
      { kind: 'confirm', purchaseId, profileId },
      since,
    ) as Promise<ConfirmationOutcome>;
  }

  protected holdsOf(request: ShopRequest): BatchHolds {
    if (request.kind === 'confirm') {
      return {
        profiles: request.profileId === null ? [] : [request.profileId],
        key: `purchase:${request.purchaseId}`,
      };
    }
    const { order, holdsSkus } = request;
    return {
      profiles: [order.profileId],
      skus: holdsSkus ? order.lines.map(({ sku }) => sku) : undefined,
      key: order.idempotencyKey,
    };
  }
}
