import { Injectable, Logger } from '@nestjs/common';
import { EconomyError, EconomyErrorCode, WalletService } from '../economy';
import { participationPayment } from './payments';
import { PayoutError, PayoutErrorCode } from './payout.errors';
import { MAX_REFUSALS_LISTED, type BackfillCounts } from './payout.types';
import { PrizePayer } from './prize-payer';
import {
  RegistrationRepository,
  type DueRegistration,
} from './repositories/registration.repository';
import { TasksInFlight } from './tasks-in-flight';

// Batches paid at once. Each waits on PostgreSQL for most of its time, so a
// few in flight keep both the database and the service busy; they lock
// wallets in the same ascending order, so they cannot deadlock.
const BATCHES_IN_FLIGHT = 3;

/** The most verified registrations one page reads. */
const MAX_PAGE_WINDOW = 10_000;

/** How far past a batch a page's window grows while nothing is due. */
const PAGE_WINDOW_GROWTH = 4;

/**
 * Pays every verified registration that has no participation payout yet, a
 * batch per transaction, a few batches at once: a crash loses at most the
 * batches in flight, and the next run finishes the job without paying anyone
 * twice.
 */
@Injectable()
export class ParticipationBackfill {
  private readonly logger = new Logger(ParticipationBackfill.name);

  constructor(
    private readonly registrations: RegistrationRepository,
    private readonly payer: PrizePayer,
    private readonly wallets: WalletService,
  ) {}

  async run(options: {
    dryRun: boolean;
    batchSize: number;
  }): Promise<BackfillCounts> {
    const { batchSize } = options;
    const counts: BackfillCounts = {
      checked: 0,
      awarded: 0,
      skipped: 0,
      failed: 0,
      refused: [],
    };
    const maxWindow = Math.max(
      batchSize,
      Math.min(batchSize * PAGE_WINDOW_GROWTH, MAX_PAGE_WINDOW),
    );
    const inFlight = new TasksInFlight(BATCHES_IN_FLIGHT);
    try {
      for (let after = 0, window = batchSize; ;) {
        const page = await this.registrations.duePage(after, window);
        if (page.lastId === null) {
          break;
        }
        after = page.lastId;
        counts.checked += page.checked;
        counts.skipped += page.checked - page.due.length;
        // Over a long history most registrations were paid long ago: the
        // window doubles while pages hold none due, and is a batch again
        // once they do (a page that found many is paid in batches).
        window =
          page.due.length === 0 ? Math.min(window * 2, maxWindow) : batchSize;
        if (options.dryRun) {
          counts.awarded += page.due.length;
          continue;
        }
        for (let start = 0; start < page.due.length; start += batchSize) {
          const batch = page.due.slice(start, start + batchSize);
          await inFlight.add(() => this.payInto(counts, batch));
        }
      }
    } catch (error) {
      // Every batch settles before the backfill throws.
      await inFlight.settled();
      throw error;
    }
    await inFlight.drain();
    return counts;
  }

  /** Pays a batch and counts it. A registration paid meanwhile replays: skipped. */
  private async payInto(
    counts: BackfillCounts,
    batch: DueRegistration[],
  ): Promise<void> {
    const { paidNow, refused } = await this.payBatch(batch);
    counts.awarded += paidNow;
    counts.failed += refused.length;
    counts.skipped += batch.length - paidNow - refused.length;
    counts.refused.push(
      ...refused.slice(0, MAX_REFUSALS_LISTED - counts.refused.length),
    );
    this.logger.log(
      `backfill paid ${paidNow} registrations up to ${batch[batch.length - 1].registration.id}`,
    );
  }

  /**
   * Pays a batch. When the batch is refused (one registration's credit would
   * overflow its wallet, or it was cancelled meanwhile, say), its
   * registrations are paid one by one instead: one bad registration must
   * not hold up every registration after it, run after run. A registration
   * no longer verified is no longer due (skipped); one the economy refuses
   * is reported. Anything else (the database gone) stops the backfill.
   */
  private async payBatch(
    due: DueRegistration[],
  ): Promise<{ paidNow: number; refused: BackfillCounts['refused'] }> {
    const walletIds = await this.wallets.ensureWallets(
      due.map(({ registration }) => registration.profileId),
    );
    const payments = due.map(({ registration, coins }, index) =>
      participationPayment(registration, coins, walletIds[index]),
    );
    try {
      return { paidNow: await this.payer.pay(payments), refused: [] };
    } catch (error) {
      if (!isRefusal(error) && !isNoLongerDue(error)) {
        throw error;
      }
    }
    let paidNow = 0;
    const refused: BackfillCounts['refused'] = [];
    for (const payment of payments) {
      try {
        paidNow += await this.payer.pay([payment]);
      } catch (error) {
        if (isNoLongerDue(error)) {
          continue;
        }
        if (!isRefusal(error)) {
          throw error;
        }
        this.logger.warn(
          `backfill left registration ${payment.registrationId} unpaid: ${error.code}`,
        );
        refused.push({
          registrationId: payment.registrationId,
          code: error.code,
        });
      }
    }
    return { paidNow, refused };
  }
}

/**
 * A payment the economy refused (an overflowing wallet, a key another
 * movement holds), as opposed to a failure of the system. A prize already
 * recorded under another key (PayoutError) is not one: it says a payout
 * would pay twice, and stops the backfill.
 */
function isRefusal(error: unknown): error is EconomyError {
  return (
    error instanceof EconomyError &&
    error.code !== EconomyErrorCode.LedgerInconsistent
  );
}

/** A registration cancelled while its payout was on the way. */
function isNoLongerDue(error: unknown): error is PayoutError {
  return (
    error instanceof PayoutError &&
    error.code === PayoutErrorCode.RegistrationNotVerified
  );
}
