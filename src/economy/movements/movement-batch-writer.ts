import { Injectable } from '@nestjs/common';
import {
  busyErrorOf,
  FinalRecordChange,
  unavailableErrorOf,
} from '../../database/database.errors';
import {
  PostgresErrorCode,
  isSqlState,
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

/** A movement of a batch, and how its caller is answered. */
export interface BatchMember {
  movement: CoalescedMovement;
  /** Settles the caller's promise (once; later calls do nothing). */
  answer: (outcome: { value: CoalescedOutcome } | { error: Error }) => void;
  answered: boolean;
}

const MOVE_BATCH = preparedStatement(
  'economy_move_batch',
  'SELECT i, outcome, legs FROM economy_move_batch($1::jsonb, $2::boolean)',
);

/** A batch's members, and whether it waits for locks or skips them. */
interface Round {
  members: BatchMember[];
  wait: boolean;
}

/**
 * Writes a batch the coalescer took, with one call of economy_move_batch
 * (and more only when some members must go again), and answers each
 * member its own outcome.
 */
@Injectable()
export class MovementBatchWriter {
  constructor(private readonly database: SqlDatabase) {}

  /**
   * Writes the batch and answers every member. The first call skips wallets
   * other transactions hold, so it never waits on a stranger's lock
   * (`firstCallDone` then tells the coalescer so); what it skipped goes
   * again, waiting, after the rest. A failure PostgreSQL reports but the
   * batch cannot pin on one member (a CHECK the judging missed, a bound
   * passed in a batch of several) sends each member again alone, so that it
   * stays its own. A member still unanswered at the end (a bug) gets the
   * error.
   */
  async settle(batch: BatchMember[], firstCallDone: () => void): Promise<void> {
    try {
      const rounds = await this.write({ members: batch, wait: false });
      firstCallDone();
      for (let round = rounds.shift(); round; round = rounds.shift()) {
        rounds.push(...(await this.write(round)));
      }
    } catch (error) {
      for (const queued of batch) {
        queued.answer({ error: asError(error) });
      }
    }
    // Only a bug leaves one: an Error per member, stack and all, would cost
    // every batch.
    for (const queued of batch.filter(({ answered }) => !answered)) {
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
    const skipped: BatchMember[] = [];
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

  private leftOut(members: BatchMember[], error: unknown): Round[] {
    const { code, detail } = postgresErrorOf(error);
    const alone = (queued: BatchMember): Round => ({
      members: [queued],
      wait: true,
    });
    if (code === PostgresErrorCode.BatchMovementsLeftOut) {
      // Keyed members refused or skipped: nothing was written. A refusal is
      // judged again alone, against committed balances only (the members
      // before it in this batch were not written).
      const left = JSON.parse(detail!) as { i: number; outcome: string }[];
      // A lone member skipped waits like any other; refused, it was judged
      // against committed balances already.
      if (members.length === 1 && left[0].outcome !== 'skipped') {
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
    // A connection lost, or a server going away: the call may have
    // committed, so nothing is sent again. The callers get UNAVAILABLE (a
    // keyed retry of theirs replays).
    const unavailable = unavailableErrorOf(error);
    if (unavailable !== null) {
      for (const queued of members) {
        queued.answer({ error: unavailable });
      }
      return [];
    }
    // PostgreSQL answered (a SQLSTATE, or a refusal SqlDatabase named), so
    // the call rolled back: each member may go again alone. Without one (a
    // socket's or TLS's code, or none) it may have committed, and nothing is
    // sent again: the callers get the error (a keyed retry of theirs replays).
    const answered = isSqlState(code) || error instanceof FinalRecordChange;
    if (answered && members.length > 1) {
      return members.map(alone);
    }
    for (const queued of members) {
      queued.answer({
        error: answered
          ? economyErrorFromPostgres(error, contextOf(queued.movement))
          : asError(error),
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
function waitingFor(skipped: BatchMember[]): Round[] {
  return skipped.length > 0 ? [{ members: skipped, wait: true }] : [];
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function batchJson(members: BatchMember[]): string {
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
