import { Injectable } from '@nestjs/common';
import {
  BatchCoalescer,
  type BatchHolds,
} from '../database/batches/batch-coalescer';
import { BatchLanes } from '../database/batches/batch-lanes';
import type { PendingRedemption } from './pending-redemption';
import {
  RedemptionBatchWriter,
  type BatchRedemptionOutcome,
} from './redemption-batch-writer';

/** Redemptions one batch takes at most. */
const BATCH_LIMIT = 64;

/**
 * Group commit for redemptions (BatchCoalescer), as for movements: a batch
 * is one call of promo_redeem_batch. A redemption holds its profile and
 * its key, so that a key's second use reads the first's commit.
 */
@Injectable()
export class RedemptionCoalescer extends BatchCoalescer<
  PendingRedemption,
  BatchRedemptionOutcome
> {
  constructor(writer: RedemptionBatchWriter, lanes: BatchLanes) {
    super(writer, lanes, BATCH_LIMIT);
  }

  /** Queues the redemption; settles once its batch committed (or refused it). */
  redeem(redemption: PendingRedemption): Promise<BatchRedemptionOutcome> {
    return this.submit(redemption);
  }

  protected holdsOf(redemption: PendingRedemption): BatchHolds {
    return {
      profiles: [redemption.profileId],
      key: redemption.key ?? undefined,
    };
  }
}
