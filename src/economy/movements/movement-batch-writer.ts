import { Injectable } from '@nestjs/common';
import type { BatchMember } from '../../database/batches/batch-member';
import {
  alone,
  roundsAfterFailure,
  settleInRounds,
  waitingFor,
  type Round,
} from '../../database/batches/batch-rounds';
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

/** A movement of a batch, and how its caller is answered. */
export type MovementMember = BatchMember<CoalescedMovement, CoalescedOutcome>;

const MOVE_BATCH = preparedStatement(
  'economy_move_batch',
  'SELECT i, outcome, legs FROM economy_move_batch($1::jsonb, $2::boolean)',
);

/**
 * Writes a batch the coalescer took, with one call of economy_move_batch
 * (and more only when some members must go again), and answers each
 * member its own outcome.
 */
@Injectable()
export class MovementBatchWriter {
  constructor(private readonly database: SqlDatabase) {}

  /**
   * Writes the batch and answers every member (settleInRounds). A failure
   * PostgreSQL reports but the batch cannot pin on one member (a CHECK the
   * judging missed) sends each member again alone, so that it stays its
   * own (roundsAfterFailure).
   */
  settle(batch: MovementMember[], firstCallDone: () => void): Promise<void> {
    return settleInRounds(batch, firstCallDone, (round) => this.write(round));
  }

  /** One call of the batch function: the rounds it leaves to do. */
  private async write({
    members,
    wait,
  }: Round<MovementMember>): Promise<Round<MovementMember>[]> {
    let rows: { i: number; outcome: string; legs: LegRow[] | null }[];
    try {
      rows = await retryTransient(() =>
        this.database.run(MOVE_BATCH, [batchJson(members), wait]),
      );
    } catch (error) {
      return this.leftOut(members, error);
    }
    const skipped: MovementMember[] = [];
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
        queued.answer({ error: refusalOf(row.outcome, queued.item) });
      }
    }
    return waitingFor(skipped);
  }

  private leftOut(
    members: MovementMember[],
    error: unknown,
  ): Round<MovementMember>[] {
    const { code, detail } = postgresErrorOf(error);
    if (code === PostgresErrorCode.BatchMovementsLeftOut) {
      // Keyed members refused or skipped: nothing was written. A refusal is
      // judged again alone, against committed balances only (the members
      // before it in this batch were not written).
      const left = JSON.parse(detail!) as { i: number; outcome: string }[];
      // A lone member skipped waits like any other; refused, it was judged
      // against committed balances already.
      if (members.length === 1 && left[0].outcome !== 'skipped') {
        members[0].answer({
          error: refusalOf(left[0].outcome, members[0].item),
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
    return roundsAfterFailure(members, error, (queued) =>
      economyErrorFromPostgres(error, contextOf(queued.item)),
    );
  }
}

function batchJson(members: MovementMember[]): string {
  return JSON.stringify(
    members.map(({ item: movement }) => ({
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
