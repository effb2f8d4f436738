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
  resolve(outcome: CoalescedOutcome): void;
  reject(error: unknown): void;
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
 * The bulkhead: a profile's movements are in one batch at a time, so a hot
 * or locked wallet holds one lane, and the others go on past it. Lanes are
 * fewer than the pool's connections, which keeps one at least for
 * everything else (the health check among it). A movement that waits for its turn
 * longer than the pool bound answers DatabaseBusy, written nowhere.
 *
 * Each caller gets its own outcome: a refused movement fails alone, its
 * batch neighbours are written (or sent again without it).
 */
@Injectable()
export class MovementCoalescer {
  private readonly queue: Queued[] = [];
  /** Profiles whose movements a running batch holds. */
  private readonly busyProfiles = new Set<number>();
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
        resolve,
        reject,
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
      queued.reject(
        new DatabaseBusy('a wallet was busy for longer than the pool bound'),
      );
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
        for (const queued of batch) {
          for (const profileId of queued.profiles) {
            this.busyProfiles.delete(profileId);
          }
        }
        this.lanesInUse -= 1;
        this.pump();
      });
    }
  }

  /**
   * The oldest movements no running batch holds a profile of, up to the
   * limit; one per key, so that a key's second use reads the first's commit.
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
        this.busyProfiles.add(profileId);
      }
      if (key !== undefined) {
        keys.add(key);
      }
    }
    return batch;
  }

  /**
   * Writes the batch and answers every member. A batch of several skips
   * wallets other transactions hold; what it skipped goes again, waiting,
   * after the rest. A failure the batch cannot pin on one member (a CHECK
   * the judging missed) sends each member again alone.
   */
  private async settle(batch: Queued[]): Promise<void> {
    const rounds: Round[] = [{ members: batch, wait: batch.length === 1 }];
    for (let round = rounds.shift(); round; round = rounds.shift()) {
      rounds.push(...(await this.write(round)));
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
      return this.leftOut(members, wait, error);
    }
    const skipped: Queued[] = [];
    for (const row of rows) {
      const queued = members[row.i];
      if (row.outcome === 'written') {
        queued.resolve({ outcome: 'written', legs: row.legs!.map(toLeg) });
      } else if (row.outcome === 'key-held' || row.outcome === 'no-wallet') {
        queued.resolve({ outcome: row.outcome });
      } else if (row.outcome === 'skipped') {
        skipped.push(queued);
      } else {
        queued.reject(refusalOf(row.outcome, queued.movement));
      }
    }
    return skipped.length > 0 ? [{ members: skipped, wait: true }] : [];
  }

  private leftOut(members: Queued[], wait: boolean, error: unknown): Round[] {
    const { code, detail } = postgresErrorOf(error);
    if (code === PostgresErrorCode.BatchMovementsLeftOut) {
      // Keyed members refused or skipped: nothing was written.
      const left = JSON.parse(detail!) as { i: number; outcome: string }[];
      const skipped: Queued[] = [];
      for (const { i, outcome } of left) {
        if (outcome === 'skipped') {
          skipped.push(members[i]);
        } else {
          members[i].reject(refusalOf(outcome, members[i].movement));
        }
      }
      const out = new Set(left.map(({ i }) => members[i]));
      const rest = members.filter((queued) => !out.has(queued));
      return [
        ...(rest.length > 0 ? [{ members: rest, wait }] : []),
        ...(skipped.length > 0 ? [{ members: skipped, wait: true }] : []),
      ];
    }
    const busy = busyErrorOf(error);
    if (busy === null && members.length > 1) {
      return members.map((queued) => ({ members: [queued], wait: true }));
    }
    for (const queued of members) {
      queued.reject(
        busy ?? economyErrorFromPostgres(error, contextOf(queued.movement)),
      );
    }
    return [];
  }
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
