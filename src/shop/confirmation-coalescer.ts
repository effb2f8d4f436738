import { Injectable } from '@nestjs/common';
import {
  BatchCoalescer,
  type BatchHolds,
} from '../database/batches/batch-coalescer';
import { BatchLanes } from '../database/batches/batch-lanes';
import { ConfirmationBatchWriter } from './confirmation-batch-writer';
import type { StoredPurchase } from './repositories/purchase.repository';

/** Confirms one batch takes at most. */
const BATCH_LIMIT = 64;

/**
 * Group commit for confirms (BatchCoalescer), as for movements: a batch is
 * one call of shop_confirm_batch. A confirm holds its purchase, so that one
 * purchase is never twice in a running batch; its wallet is not known
 * before the call, which skips wallets others hold instead.
 */
@Injectable()
export class ConfirmationCoalescer extends BatchCoalescer<
  number,
  StoredPurchase | null
> {
  constructor(writer: ConfirmationBatchWriter, lanes: BatchLanes) {
    super(writer, lanes, BATCH_LIMIT);
  }

  /**
   * Queues the confirm: the purchase completed once its batch committed, or
   * null when the batch wrote nothing of it and the caller's own path must
   * decide (not pending, unknown, a hold that ended or expired).
   */
  confirm(purchaseId: number): Promise<StoredPurchase | null> {
    return this.submit(purchaseId);
  }

  protected holdsOf(purchaseId: number): BatchHolds {
    return { profiles: [], key: `purchase:${purchaseId}` };
  }
}
