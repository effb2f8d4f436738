import { Injectable } from '@nestjs/common';
import {
  BatchCoalescer,
  type BatchHolds,
} from '../database/batches/batch-coalescer';
import { BatchLanes } from '../database/batches/batch-lanes';
import { ShopGatheringTurn } from './shop-gathering-turn';
import {
  ConfirmationBatchWriter,
  type Confirmation,
  type ConfirmationOutcome,
} from './confirmation-batch-writer';

/** Confirms one batch takes at most. */
const BATCH_LIMIT = 64;

/**
 * Group commit for confirms (BatchCoalescer), as for movements: a batch is
 * one call of shop_confirm_batch. A confirm holds its purchase, so that one
 * purchase is never twice in a running batch. Its buyer is not known when
 * it comes; one that a first call skipped (a row another transaction held)
 * is answered `skipped`, and its caller sends it again holding the buyer's
 * profile: then it waits for the lock in a call of its own batch, and the
 * buyer's other confirms wait here meanwhile, so that a locked wallet holds
 * one lane at most.
 */
@Injectable()
export class ConfirmationCoalescer extends BatchCoalescer<
  Confirmation,
  ConfirmationOutcome
> {
  constructor(
    writer: ConfirmationBatchWriter,
    lanes: BatchLanes,
    turn: ShopGatheringTurn,
  ) {
    super(writer, lanes, BATCH_LIMIT, turn);
  }

  /**
   * Queues the confirm: the purchase completed once its batch committed;
   * null when the batch wrote nothing of it and the caller's own path must
   * decide (not pending, unknown, a hold that ended or expired); `skipped`
   * when its buyer was not given and a first call skipped it.
   */
  confirm(confirmation: Confirmation): Promise<ConfirmationOutcome> {
    return this.submit(confirmation);
  }

  protected holdsOf({ purchaseId, profileId }: Confirmation): BatchHolds {
    return {
      profiles: profileId === null ? [] : [profileId],
      key: `purchase:${purchaseId}`,
    };
  }
}
