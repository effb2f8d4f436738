import { Inject, Injectable } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import { busyErrorOf, DatabaseBusy } from '../../database/database.errors';
import {
  DATABASE_POOL,
  type DatabasePool,
} from '../../database/database.module';
import {
  PostgresErrorCode,
  postgresErrorOf,
} from '../../database/postgres-error';
import { preparedStatement, SqlDatabase } from '../../database/sql-database';
import { retryTransient } from '../../database/transient-retry';
import type { LedgerReason } from '../domain/ledger-reason';
import type { Meta } from '../domain/movement-input';
import {
  economyErrorFromPostgres,
  walletCheckRefusal,
} from '../economy-refusals';
import type { KeyClaim } from '../idempotency/key-claims';
import { toLeg, type LegRow, type WrittenLeg } from './ledger-legs';

/** A credit (`to` only), a debit (`from` only) or a transfer (both). */
export interface CoalescedMovement {
  fromProfileId: number | null;
  toProfileId: number | null;
  /** Positive: what leaves `from` and reaches `to`. */
  amount: number;
  /** A credit's or a debit's; a transfer's legs are TRANSFER_OUT and TRANSFER_IN. */
  reason: LedgerReason | null;
  meta: Meta;
  claim: KeyClaim | null;
}

/** What the movement's batch did with it (a refusal is thrown instead). */
export type CoalescedOutcome =
  | { outcome: 'written'; legs: WrittenLeg[] }
  | { outcome: 'key-held' }
  | { outcome: 'no-wallet' };

/** Movements one batch takes at most. */
export const BATCH_LIMIT = 64;

/**
 * Batches written at once, per core of this machine (where the embedded
 * PostgreSQL runs): more only contend for PostgreSQL's CPU and shrink the
 * batches (docs/decisions.md, "Coalesced movements").
 */
const LANES_PER_CORE = 2;

const MOVE_BATCH = preparedStatement(
  'economy_move_batch',
  'SELECT i, outcome, legs FROM economy_move_batch($1::jsonb, $2::boolean)',
);

interface Queued {
  movement: CoalescedMovement;
  profiles: number[];
  /** Settles the caller's promise (once; later calls do nothing). */
  answer: (outcome: { value: CoalescedOutcome } | { error: Error }) => void;
  answered: boolean;
  timer?: NodeJS.Timeout;
}

/** A batch's members, and whether it waits for locks or skips them. */
interface Round {
  members: Queued[];
  wait: boolean;
}

/**
 * Group commit for credits, debits and transfers: movements queue here and
 * are written in batches, one call and one commit each (economy_move_batch,
 * whose migration holds the locking argument). No timer: a lane (a pooled
 * connection's worth of work) that comes free takes what is queued, so a
 * lone movement goes at once and a crowd shares commits.
 *
 * The bulkhead: a profile's unanswered movements are in one batch at a
 * time, so a hot or locked wallet holds one lane, and the others go on past
 * it; a profile is free again as soon as its movements are answered. Lanes
 * are fewer than the pool's connections, which keeps one at least for
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
  private readonly lanes: number;
  private lanesInUse = 0;

  constructor(
    private readonly database: SqlDatabase,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
  ) {
    this.lanes = Math.max(
      1,
      Math.min(pool.size - 1, LANES_PER_CORE * availableParallelism()),
    );
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

  /** Starts a batch on each free lane while movements can go. */
  private pump(): void {
    while (this.lanesInUse < this.lanes) {
      const batch = this.take();
      if (batch.length === 0) {
        return;
      }
      this.lanesInUse += 1;
      void this.settle(batch).finally(() => {
        this.lanesInUse -= 1;
        this.pump();
      });
    }
  }

  /**
   * The oldest movements no running batch holds a profile of, up to the
   * limit; one per key, so that a key's second use reads the first's commit.
   * A movement left waiting does not hold its profiles back from younger
   * ones: a transfer out of a locked wallet must not stall its receiver's
   * other movements. It goes at the first take that finds both its profiles
   * free, and the pool bound answers it BUSY if none does in time.
   */
  private take(): Queued[] {
    const batch: Queued[] = [];
    const mine = new Set<number>();
    const keys = new Set<string>();
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
        (key !== undefined && keys.has(key))
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
        keys.add(key);
      }
      this.releaseOnAnswer(queued);
    }
    return batch;
  }

  /** Frees the movement's profiles once it is answered, and lets the queue on. */
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
      this.pump();
    };
  }

  /**
   * Writes the batch and answers every member. A batch of several skips
   * wallets other transactions hold; what it skipped goes again, waiting,
   * after the rest. A failure PostgreSQL reports but the batch
   * cannot pin on one member (a CHECK the judging missed, a bound passed in
   * a batch of several) sends each member again alone, so that it stays its
   * own. A member still unanswered at the end (a bug) gets the error.
   */
  private async settle(batch: Queued[]): Promise<void> {
    const rounds: Round[] = [{ members: batch, wait: batch.length === 1 }];
    try {
      for (let round = rounds.shift(); round; round = rounds.shift()) {
        rounds.push(...(await this.write(round)));
      }
    } catch (error) {
      for (const queued of batch) {
        queued.answer({ error: asError(error) });
      }
    }
    for (const queued of batch) {
      queued.answer({
        error: new Error('a batch left a movement without an outcome'),
      });
    }
  }

  /** One call of the batch function: the rounds it leaves to do. */
  private async write({ members, wait }: Round): Promise<Round[]> {
    let rows: { i: number; outcome: string; legs: LegRow[] | null }[];
    try {
      rows = await retryTransient(() =>
        this.database.run(MOVE_BATCH, [batchJson(members), wait]),
      );
    } catch (error) {
      return this.leftOut(members, error);
    }
    const skipped: Queued[] = [];
    for (const row of rows) {
      const queued = members[row.i];
      if (row.outcome === 'written') {
        queued.answer({
          value: { outcome: 'written', legs: row.legs!.map(toLeg) },
        });
      } else if (row.outcome === 'key-held' || row.outcome === 'no-wallet') {
        queued.answer({ value: { outcome: row.outcome } });
      } else if (row.outcome === 'skipped') {
        skipped.push(queued);
      } else {
        queued.answer({ error: refusalOf(row.outcome, queued.movement) });
      }
    }
    return waitingFor(skipped);
  }

  private leftOut(members: Queued[], error: unknown): Round[] {
    const { code, detail } = postgresErrorOf(error);
    const alone = (queued: Queued): Round => ({
      members: [queued],
      wait: true,
    });
    if (code === PostgresErrorCode.BatchMovementsLeftOut) {
      // Keyed members refused or skipped: nothing was written. A refusal is
      // judged again alone, against committed balances only (the members
      // before it in this batch were not written).
      const left = JSON.parse(detail!) as { i: number; outcome: string }[];
      if (members.length === 1) {
        members[0].answer({
          error: refusalOf(left[0].outcome, members[0].movement),
        });
        return [];
      }
      const refused = left
        .filter(({ outcome }) => outcome !== 'skipped')
        .map(({ i }) => members[i]);
      const skipped = left
        .filter(({ outcome }) => outcome === 'skipped')
        .map(({ i }) => members[i]);
      const rest = members.filter(
        (queued) => !refused.includes(queued) && !skipped.includes(queued),
      );
      return [
        ...(rest.length > 0
          ? [{ members: rest, wait: rest.length === 1 }]
          : []),
        ...refused.map(alone),
        ...waitingFor(skipped),
      ];
    }
    // A bound passed: nothing was written, and trying the members again at
    // once would only wait again.
    const busy = busyErrorOf(error);
    if (busy !== null) {
      for (const queued of members) {
        queued.answer({ error: busy });
      }
      return [];
    }
    // PostgreSQL answered (a SQLSTATE, or a refusal SqlDatabase named), so
    // the call rolled back: each member may go again alone. Without one (a
    // connection lost) it may have committed, and nothing is sent again:
    // the callers get the error (a keyed retry of theirs replays).
    if (code !== undefined && members.length > 1) {
      return members.map(alone);
    }
    for (const queued of members) {
      queued.answer({
        error:
          code === undefined
            ? asError(error)
            : economyErrorFromPostgres(error, contextOf(queued.movement)),
      });
    }
    return [];
  }
}

/**
 * The movements a batch skipped (another transaction held a wallet of
 * theirs), again together in one batch that waits: the lane waits once, for
 * the lock bound at most, and if a wallet stays locked past it they all
 * answer BUSY, nothing written.
 */
function waitingFor(skipped: Queued[]): Round[] {
  return skipped.length > 0 ? [{ members: skipped, wait: true }] : [];
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function batchJson(members: Queued[]): string {
  return JSON.stringify(
    members.map(({ movement }) => ({
      from_profile: movement.fromProfileId,
      to_profile: movement.toProfileId,
      amount: movement.amount,
      reason: movement.reason,
      meta: movement.meta,
      key: movement.claim?.key ?? null,
      operation: movement.claim?.operation ?? null,
      request: movement.claim?.request ?? null,
      sent_key: movement.claim?.sentKey ?? null,
    })),
  );
}

function refusalOf(constraint: string, movement: CoalescedMovement): Error {
  return (
    walletCheckRefusal(constraint, contextOf(movement)) ??
    new Error(`a batch answered ${constraint} for a movement`)
  );
}

function contextOf({ fromProfileId, toProfileId }: CoalescedMovement): string {
  if (fromProfileId !== null && toProfileId !== null) {
    return `transfer from profile ${fromProfileId} to profile ${toProfileId}`;
  }
  return `profile ${fromProfileId ?? toProfileId}`;
}
