import { Inject, Injectable } from '@nestjs/common';
import { DatabaseBusy } from '../../database/database.errors';
import {
  DATABASE_POOL,
  type DatabasePool,
} from '../../database/database.module';
import {
  MovementBatchWriter,
  type BatchMember,
  type CoalescedMovement,
  type CoalescedOutcome,
} from './movement-batch-writer';

/** Movements one batch takes at most. */
export const BATCH_LIMIT = 64;

/** A movement waiting for its batch, and the profiles it holds there. */
interface Queued extends BatchMember {
  profiles: number[];
  timer?: NodeJS.Timeout;
}

/**
 * Group commit for credits, debits and transfers: movements queue here and
 * are written in batches, one call and one commit each (MovementBatchWriter;
 * economy_move_batch's migration holds the locking argument). No timer: one
 * batch gathers at a time, and when its call answers the next takes what
 * queued meanwhile, so a lone movement goes at once and a crowd shares
 * commits (docs/decisions.md, "Coalesced movements").
 *
 * The bulkhead: a profile's unanswered movements are in one batch at a
 * time, so a hot or locked wallet holds one lane; a batch's first call
 * never waits on another transaction's lock, and only the movements it
 * skipped wait, on their lane, while the next batch gathers. Lanes are
 * fewer than the pool's connections, which keeps one at least for
 * everything else (the health check among it). A movement that waits for
 * its turn longer than the pool bound answers DatabaseBusy, written nowhere.
 *
 * Each caller gets its own outcome: a refused movement fails alone, its
 * batch neighbours are written (or sent again without it).
 */
@Injectable()
export class MovementCoalescer {
  private readonly queue: Queued[] = [];
  /** Unanswered movements of running batches, by profile. */
  private readonly busyProfiles = new Map<number, number>();
  /**
   * Keys of unanswered movements of running batches: a key's second use
   * waits here for the first's answer rather than in PostgreSQL, where its
   * claim would hold up the batch gathering behind a transaction that may
   * wait for a lock.
   */
  private readonly busyKeys = new Set<string>();
  private readonly lanes: number;
  private lanesInUse = 0;
  /** Whether a batch's first call is running (the next one gathers meanwhile). */
  private gathering = false;

  constructor(
    private readonly writer: MovementBatchWriter,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
  ) {
    this.lanes = Math.max(1, pool.size - 1);
  }

  /** Queues the movement; settles once its batch committed (or refused it). */
  move(movement: CoalescedMovement): Promise<CoalescedOutcome> {
    return new Promise((resolve, reject) => {
      const queued: Queued = {
        movement,
        profiles: [movement.fromProfileId, movement.toProfileId].filter(
          (profileId) => profileId !== null,
        ),
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
      const waitMs = this.pool.bounds?.poolWaitMs;
      if (waitMs !== undefined) {
        queued.timer = setTimeout(() => this.giveUp(queued), waitMs);
      }
      this.queue.push(queued);
      this.pump();
    });
  }

  private giveUp(queued: Queued): void {
    const index = this.queue.indexOf(queued);
    if (index >= 0) {
      this.queue.splice(index, 1);
      queued.answer({
        error: new DatabaseBusy(
          'a wallet was busy for longer than the pool bound',
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
    if (this.gathering || this.lanesInUse >= this.lanes) {
      return;
    }
    const batch = this.take();
    if (batch.length === 0) {
      return;
    }
    this.lanesInUse += 1;
    this.gathering = true;
    let gathered = false;
    const gatheringDone = () => {
      if (!gathered) {
        gathered = true;
        this.gathering = false;
        this.pump();
      }
    };
    void this.writer.settle(batch, gatheringDone).finally(() => {
      this.lanesInUse -= 1;
      gatheringDone();
      this.pump();
    });
  }

  /**
   * The oldest movements no running batch holds a profile or a key of, up
   * to the limit; one per key, so that a key's second use reads the first's
   * commit.
   * A movement left waiting does not hold its profiles back from younger
   * ones: a transfer out of a locked wallet must not stall its receiver's
   * other movements. It goes at the first take that finds both its profiles
   * free, and the pool bound answers it BUSY if none does in time.
   */
  private take(): Queued[] {
    const batch: Queued[] = [];
    const mine = new Set<number>();
    for (let index = 0; index < this.queue.length;) {
      if (batch.length === BATCH_LIMIT) {
        break;
      }
      const queued = this.queue[index];
      const key = queued.movement.claim?.key;
      if (
        queued.profiles.some(
          (profileId) =>
            this.busyProfiles.has(profileId) && !mine.has(profileId),
        ) ||
        (key !== undefined && this.busyKeys.has(key))
      ) {
        index += 1;
        continue;
      }
      this.queue.splice(index, 1);
      clearTimeout(queued.timer);
      batch.push(queued);
      for (const profileId of queued.profiles) {
        mine.add(profileId);
        this.busyProfiles.set(
          profileId,
          (this.busyProfiles.get(profileId) ?? 0) + 1,
        );
      }
      if (key !== undefined) {
        this.busyKeys.add(key);
      }
      this.releaseOnAnswer(queued);
    }
    return batch;
  }

  /** Frees the movement's profiles and key once it is answered, and lets the queue on. */
  private releaseOnAnswer(queued: Queued): void {
    const answer = queued.answer;
    queued.answer = (outcome) => {
      if (queued.answered) {
        return;
      }
      answer(outcome);
      for (const profileId of queued.profiles) {
        const left = (this.busyProfiles.get(profileId) ?? 1) - 1;
        if (left === 0) {
          this.busyProfiles.delete(profileId);
        } else {
          this.busyProfiles.set(profileId, left);
        }
      }
      const key = queued.movement.claim?.key;
      if (key !== undefined) {
        this.busyKeys.delete(key);
      }
      this.pump();
    };
  }
}
