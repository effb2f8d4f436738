import {
  busyErrorOf,
  FinalRecordChange,
  unavailableErrorOf,
} from '../database.errors';
import { isSqlState, postgresErrorOf } from '../postgres-error';
import { retryTransient } from '../transient-retry';
import type { BatchMember } from './batch-member';

/** Members of a batch for one call, and whether it waits for locks or skips them. */
export interface Round<TMember> {
  members: TMember[];
  wait: boolean;
}

/** What the rounds need of a member: to answer it with an error. */
type Member = Pick<BatchMember<unknown, never>, 'answered'> & {
  answer: (outcome: { error: Error }) => void;
};

/**
 * Settles a batch in calls of `write`, each answering what it can and
 * returning the rounds it leaves. The first call skips rows other
 * transactions hold, so it never waits on a stranger's lock (`firstCallDone`
 * then lets the coalescer gather the next batch); what it skipped goes again,
 * waiting, after the rest. A member still unanswered at the end (a bug) gets
 * an error.
 */
export async function settleInRounds<TMember extends Member>(
  batch: TMember[],
  firstCallDone: () => void,
  write: (round: Round<TMember>) => Promise<Round<TMember>[]>,
): Promise<void> {
  try {
    const rounds = await write({ members: batch, wait: false });
    firstCallDone();
    for (let round = rounds.shift(); round; round = rounds.shift()) {
      rounds.push(...(await write(round)));
    }
  } catch (error) {
    for (const member of batch) {
      member.answer({ error: asError(error) });
    }
  }
  // Only a bug leaves one: an Error per member, stack and all, would cost
  // every batch.
  for (const member of batch.filter(({ answered }) => !answered)) {
    member.answer({
      error: new Error('a batch left a member without an outcome'),
    });
  }
}

/**
 * The members a call skipped (another transaction held a row of theirs),
 * again together in one call that waits: the lane waits once, for the lock
 * bound at most, and if a row stays locked past it they all answer BUSY,
 * nothing written.
 */
export function waitingFor<TMember>(skipped: TMember[]): Round<TMember>[] {
  return skipped.length > 0 ? [{ members: skipped, wait: true }] : [];
}

/** What a call answered for one member, by its index in the call. */
export interface BatchRow<TValue> {
  i: number;
  /** Skipped on a row another transaction held: it goes again, waiting. */
  skipped: boolean;
  value: TValue;
}

/**
 * One call of a batch whose members either get a value or are skipped:
 * answers each its value, and returns the skipped ones as one round that
 * waits (waitingFor); a call that fails leaves what roundsAfterFailure
 * says, a lone member getting `failureOf` the error.
 */
export async function writeRound<TItem, TValue>(
  { members, wait }: Round<BatchMember<TItem, TValue>>,
  call: (items: TItem[], wait: boolean) => Promise<BatchRow<TValue>[]>,
  failureOf: (item: TItem, error: unknown) => Error,
): Promise<Round<BatchMember<TItem, TValue>>[]> {
  let rows: BatchRow<TValue>[];
  try {
    rows = await retryTransient(() =>
      call(
        members.map(({ item }) => item),
        wait,
      ),
    );
  } catch (error) {
    return roundsAfterFailure(members, error, ({ item }) =>
      failureOf(item, error),
    );
  }
  const skipped: BatchMember<TItem, TValue>[] = [];
  for (const { i, skipped: wasSkipped, value } of rows) {
    if (wasSkipped) {
      skipped.push(members[i]);
    } else {
      members[i].answer({ value });
    }
  }
  return waitingFor(skipped);
}

/** A round of one member, that waits. */
export function alone<TMember>(member: TMember): Round<TMember> {
  return { members: [member], wait: true };
}

/**
 * What is left to do after a call failed as a whole. A bound passed:
 * nothing was written, and sending the members again at once would only
 * wait again, so they answer BUSY. A connection lost, or a server going
 * away: the call may have committed, so nothing is sent again, and they
 * answer UNAVAILABLE (a keyed retry of theirs replays). Otherwise, when
 * PostgreSQL answered (a SQLSTATE, or a refusal SqlDatabase named) the call
 * rolled back, and each member of several goes again alone, so that a
 * failure stays its own; a lone member gets `failureOf` it. Without an
 * answer the call may have committed: the members get the error.
 */
export function roundsAfterFailure<TMember extends Member>(
  members: TMember[],
  error: unknown,
  failureOf: (member: TMember) => Error,
): Round<TMember>[] {
  const settled = busyErrorOf(error) ?? unavailableErrorOf(error);
  if (settled !== null) {
    for (const member of members) {
      member.answer({ error: settled });
    }
    return [];
  }
  const answered = answeredByPostgres(error);
  if (answered && members.length > 1) {
    return members.map(alone);
  }
  for (const member of members) {
    member.answer({ error: answered ? failureOf(member) : asError(error) });
  }
  return [];
}

/**
 * Whether a failed call surely wrote nothing: a bound passed, or PostgreSQL
 * answered it (then it rolled back). A lost connection may have committed.
 */
export function wroteNothing(error: unknown): boolean {
  return (
    busyErrorOf(error) !== null ||
    (unavailableErrorOf(error) === null && answeredByPostgres(error))
  );
}

function answeredByPostgres(error: unknown): boolean {
  return (
    isSqlState(postgresErrorOf(error).code) ||
    error instanceof FinalRecordChange
  );
}

/** `error` as an Error, wrapped when something else was thrown. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
