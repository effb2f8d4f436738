import { Injectable } from '@nestjs/common';
import type { BatchMember } from '../database/batches/batch-member';
import { settleInRounds, writeRound } from '../database/batches/batch-rounds';
import { economyErrorFromPostgres } from '../economy';
import { PurchaseBatches } from './repositories/purchase-batches';
import type { StoredPurchase } from './repositories/purchase.repository';

/** A confirm, and its buyer's profile once known (null: not yet). */
export interface Confirmation {
  purchaseId: number;
  profileId: number | null;
}

/** The purchase completed; null, for the caller's own path; or skipped. */
export type ConfirmationOutcome = StoredPurchase | null | 'skipped';

export type ConfirmationMember = BatchMember<Confirmation, ConfirmationOutcome>;

/**
 * Writes a batch of confirms the coalescer took, with one call of
 * shop_confirm_batch, and answers each its own outcome (settleInRounds).
 * What the call skipped goes again in a call that waits only when it holds
 * its buyer's profile; otherwise it is answered `skipped`, for its caller to
 * send again holding it (ConfirmationCoalescer).
 */
@Injectable()
export class ConfirmationBatchWriter {
  constructor(private readonly batches: PurchaseBatches) {}

  settle(
    batch: ConfirmationMember[],
    firstCallDone: () => void,
  ): Promise<void> {
    return settleInRounds(batch, firstCallDone, (round) =>
      writeRound(
        round,
        async (confirmations, wait) =>
          (
            await this.batches.confirmBatch(
              confirmations.map(({ purchaseId }) => purchaseId),
              wait,
            )
          ).map(({ i, outcome, purchase }) => {
            const held = confirmations[i].profileId !== null;
            return {
              i,
              skipped: outcome === 'skipped' && held,
              value: outcome === 'skipped' ? 'skipped' : purchase,
            };
          }),
        ({ purchaseId }, error) =>
          economyErrorFromPostgres(error, `purchase ${purchaseId}`),
      ),
    );
  }
}
