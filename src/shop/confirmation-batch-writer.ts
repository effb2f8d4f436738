import { Injectable } from '@nestjs/common';
import type { BatchMember } from '../database/batches/batch-member';
import {
  roundsAfterFailure,
  settleInRounds,
  waitingFor,
  type Round,
} from '../database/batches/batch-rounds';
import { retryTransient } from '../database/transient-retry';
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
    return settleInRounds(batch, firstCallDone, (round) => this.write(round));
  }

  private async write({
    members,
    wait,
  }: Round<ConfirmationMember>): Promise<Round<ConfirmationMember>[]> {
    let rows;
    try {
      rows = await retryTransient(() =>
        this.steps.confirmBatch(
          members.map(({ item }) => item),
          wait,
        ),
      );
    } catch (error) {
      return roundsAfterFailure(members, error, ({ item }) =>
        economyErrorFromPostgres(error, `purchase ${item}`),
      );
    }
    const skipped: ConfirmationMember[] = [];
    for (const { i, outcome, purchase } of rows) {
      if (outcome === 'skipped') {
        skipped.push(members[i]);
      } else {
        members[i].answer({ value: purchase });
      }
    }
    return waitingFor(skipped);
  }
}
