import { Injectable } from '@nestjs/common';
import type { BatchMember } from '../database/batches/batch-member';
import {
  asError,
  settleInRounds,
  writeRound,
} from '../database/batches/batch-rounds';
import { PurchaseBatches } from './repositories/purchase-batches';
import type { CheckoutOrder } from './repositories/purchase-steps';
import type { PurchaseView } from './shop.types';

export type CheckoutMember = BatchMember<CheckoutOrder, PurchaseView | null>;

/**
 * Writes a batch of orders the coalescer took, with one call of
 * shop_checkout_batch (and one more, waiting, for those it skipped), and
 * answers each its own outcome (settleInRounds). An order that fails a call
 * of its own gets PostgreSQL's error as it came, which the checkout reads
 * as a one-order checkout's (a key used meanwhile, stock sold meanwhile).
 */
@Injectable()
export class CheckoutBatchWriter {
  constructor(private readonly batches: PurchaseBatches) {}

  settle(batch: CheckoutMember[], firstCallDone: () => void): Promise<void> {
    return settleInRounds(batch, firstCallDone, (round) =>
      writeRound(
        round,
        async (orders, wait) =>
          (await this.batches.checkOutBatch(orders, wait)).map(
            ({ i, outcome, placed }) => ({
              i,
              skipped: outcome === 'skipped',
              value: placed,
            }),
          ),
        (_, error) => asError(error),
      ),
    );
  }
}
