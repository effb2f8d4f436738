import { Injectable } from '@nestjs/common';
import {
  BatchCoalescer,
  type BatchHolds,
} from '../../database/batches/batch-coalescer';
import { BatchLanes } from '../../database/batches/batch-lanes';
import {
  MovementBatchWriter,
  type CoalescedMovement,
  type CoalescedOutcome,
} from './movement-batch-writer';

/** Movements one batch takes at most. */
export const BATCH_LIMIT = 64;

/**
 * Group commit for credits, debits and transfers (BatchCoalescer): a batch
 * is one call of economy_move_batch (MovementBatchWriter; its migration
 * holds the locking argument). A movement holds both its profiles, so a
 * profile's unanswered movements are in one batch at a time.
 */
@Injectable()
export class MovementCoalescer extends BatchCoalescer<
  CoalescedMovement,
  CoalescedOutcome
> {
  constructor(writer: MovementBatchWriter, lanes: BatchLanes) {
    super(writer, lanes, BATCH_LIMIT);
  }

  /** Queues the movement; settles once its batch committed (or refused it). */
  move(movement: CoalescedMovement): Promise<CoalescedOutcome> {
    return this.submit(movement);
  }

  protected holdsOf(movement: CoalescedMovement): BatchHolds {
    return {
      profiles: [movement.fromProfileId, movement.toProfileId].filter(
        (profileId) => profileId !== null,
      ),
      key: movement.claim?.key,
    };
  }
}
