import { Injectable } from '@nestjs/common';
import type { BatchMember } from '../database/batches/batch-member';
import { settleInRounds, writeRound } from '../database/batches/batch-rounds';
import { economyErrorFromPostgres } from '../economy';
import { PurchaseSteps } from './repositories/purchase-steps';
import type { StoredPurchase } from './repositories/purchase.repository';

export type ConfirmationMember = BatchMember<number, StoredPurchase | null>;

/**
 * Writes a batch of confirms the coalescer took, with one call of
 * shop_confirm_batch (and one more, waiting, for those it skipped), and
 * answers each its own outcome (settleInRounds).
 */
@Injectable()
export class ConfirmationBatchWriter {
  constructor(private readonly steps: PurchaseSteps) {}

  settle(
    batch: ConfirmationMember[],
    firstCallDone: () => void,
  ): Promise<void> {
    return settleInRounds(batch, firstCallDone, (round) =>
      writeRound(
        round,
        async (ids, wait) =>
          (await this.steps.confirmBatch(ids, wait)).map(
            ({ i, outcome, purchase }) => ({
              i,
              skipped: outcome === 'skipped',
              value: purchase,
            }),
          ),
        (id, error) => economyErrorFromPostgres(error, `purchase ${id}`),
      ),
    );
  }
}
