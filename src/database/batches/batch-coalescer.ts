import { DatabaseBusy } from '../database.errors';
import type { BatchLanes } from './batch-lanes';
import type { BatchMember, BatchSettler } from './batch-member';

/**
 * What a queued item holds while its batch runs: its profiles, the skus it
 * holds as it holds its profiles (a checkout a first call skipped:
 * ShopBatchCoalescer), and its key.
 */
export interface BatchHolds {
  profiles: number[];
  skus?: string[];
  key: string | undefined;
}

/** An item waiting for its batch. */
interface Queued<TItem, TValue> extends BatchMember<TItem, TValue> {
  /** Its profiles, then its skus, prefixed: what busy counts. */
  shared: (number | string)[];
  key: string | undefined;
  timer?: NodeJS.Timeout;
}

/**
 * Group commit: items queue here and are written in batches, one call and
 * one commit each (the settler). No timer: one batch gathers at a time, and
 * when its first call answers the next takes what queued meanwhile, so a
 * lone item goes at once and a crowd shares commits (docs/decisions.md,
 * "Coalesced movements").
 *
 * The bulkhead: a profile's unanswered items are in one batch at a time, so
 * a hot or locked wallet holds one lane of each coalescer (and so are a
 * sku's, for the items that hold it); a batch's first
 * call skips rows other transactions hold locked (wallets, a campaign's
 * count slots), and only the items it skipped wait, on their lane, while
 * the next batch gathers. Lanes are shared by every coalescer
 * (BatchLanes). An item that waits for its turn longer than the
 * pool bound (one sent again: counted from when it first queued) answers
 * DatabaseBusy, written nowhere.
 *
 * Each caller gets its own outcome: a refused item fails alone, its batch
 * neighbours are written (or sent again without it).
 */
export abstract class BatchCoalescer<TItem, TValue> {
  private readonly queue: Queued<TItem, TValue>[] = [];
  /** Unanswered items of running batches, by profile and by held sku. */
  private readonly busy = new Map<number | string, number>();
  /**
   * Keys of unanswered items of running batches: a key's second use waits
   * here for the first's answer rather than in PostgreSQL, where its claim
   * would hold up the batch gathering behind a transaction that may wait
   * for a lock.
   */
  private readonly busyKeys = new Set<string>();
  /** Whether a batch's first call is running (the next one gathers meanwhile). */
  private gathering = false;

  constructor(
    private readonly settler: BatchSettler<TItem, TValue>,
    private readonly lanes: BatchLanes,
    private readonly limit: number,
  ) {
    lanes.onFree(() => this.pump());
  }

  /** What the item holds while its batch runs. */
  protected abstract holdsOf(item: TItem): BatchHolds;

  /**
   * Queues the item; settles once its batch committed (or refused it).
   * `since` is when its request first queued (performance.now), for one
   * sent again after a first call skipped it: from then to its last turn it
   * waits the pool bound at most, its first call's run included. One whose
   * bound has passed goes only if a batch takes it at once.
   */
  protected submit(item: TItem, since?: number): Promise<TValue> {
    const { profiles, skus, key } = this.holdsOf(item);
    return new Promise((resolve, reject) => {
      const queued: Queued<TItem, TValue> = {
        item,
        shared: skus
          ? [...profiles, ...skus.map((sku) => `sku:${sku}`)]
          : profiles,
        key,
        answered: false,
        answer: (outcome) => {
          if (queued.answered) {
            return;
          }
          queued.answered = true;
          if ('value' in outcome) {
            resolve(outcome.value);
          } else {
            reject(outcome.error);
          }
        },
      };
      const waitMs = this.lanes.waitMs;
      if (waitMs !== undefined) {
        const left =
          since === undefined ? waitMs : waitMs - (performance.now() - since);
        queued.timer = setTimeout(() => this.giveUp(queued), Math.max(0, left));
      }
      this.queue.push(queued);
      this.pump();
    });
  }

  private giveUp(queued: Queued<TItem, TValue>): void {
    const index = this.queue.indexOf(queued);
    if (index >= 0) {
      this.queue.splice(index, 1);
      queued.answer({
        error: new DatabaseBusy(
          'waited longer than the pool bound for its turn',
        ),
      });
    }
  }

  /**
   * Starts the next batch once the last one's first call answered and a
   * lane is free. One gathering at a time: more would only split a crowd
   * into smaller batches and more commits (measured in docs/decisions.md).
   */
  private pump(): void {
    if (this.gathering || !this.lanes.free()) {
      return;
    }
    const batch = this.take();
    if (batch.length === 0) {
      return;
    }
    this.lanes.take();
    this.gathering = true;
    let gathered = false;
    const gatheringDone = () => {
      if (!gathered) {
        gathered = true;
        this.gathering = false;
        this.pump();
      }
    };
    void this.settler.settle(batch, gatheringDone).finally(() => {
      this.lanes.give();
      gatheringDone();
      this.pump();
    });
  }

  /**
   * The oldest items no running batch holds a profile, sku or key of, up to
   * the limit; one per key, so that a key's second use reads the first's
   * commit.
   * An item left waiting does not hold its profiles back from younger
   * ones: a transfer out of a locked wallet must not stall its receiver's
   * other movements. It goes at the first take that finds both its profiles
   * free, and the pool bound answers it BUSY if none does in time.
   */
  private take(): Queued<TItem, TValue>[] {
    const batch: Queued<TItem, TValue>[] = [];
    const mine = new Set<number | string>();
    for (let index = 0; index < this.queue.length;) {
      if (batch.length === this.limit) {
        break;
      }
      const queued = this.queue[index];
      const { shared, key } = queued;
      if (
        shared.some((held) => this.busy.has(held) && !mine.has(held)) ||
        (key !== undefined && this.busyKeys.has(key))
      ) {
        index += 1;
        continue;
      }
      this.queue.splice(index, 1);
      clearTimeout(queued.timer);
      batch.push(queued);
      for (const held of shared) {
        mine.add(held);
        this.busy.set(held, (this.busy.get(held) ?? 0) + 1);
      }
      if (key !== undefined) {
        this.busyKeys.add(key);
      }
      this.releaseOnAnswer(queued);
    }
    return batch;
  }

  /** Frees what the item holds once it is answered, and lets the queue on. */
  private releaseOnAnswer(queued: Queued<TItem, TValue>): void {
    const answer = queued.answer;
    queued.answer = (outcome) => {
      if (queued.answered) {
        return;
      }
      answer(outcome);
      for (const held of queued.shared) {
        const left = (this.busy.get(held) ?? 1) - 1;
        if (left === 0) {
          this.busy.delete(held);
        } else {
          this.busy.set(held, left);
        }
      }
      if (queued.key !== undefined) {
        this.busyKeys.delete(queued.key);
      }
      this.pump();
    };
  }
}
