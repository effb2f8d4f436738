import { Injectable } from '@nestjs/common';
import { safeIntegerFromDatabase } from '../../common/safe-integer';
import {
  PostgresErrorCode,
  postgresErrorOf,
} from '../../database/postgres-error';
import {
  SqlDatabase,
  preparedStatement,
  type PreparedStatement,
  type SqlRunner,
} from '../../database/sql-database';
import type { PrizePlacement } from '../entities/prize-transaction.entity';
import type { PaidPayment } from '../payments';
import { PrizeAlreadyRecorded } from '../payout.errors';
import type { PrizeRecord } from '../payout.types';

const COLUMNS =
  'id, tournament_id, registration_id, placement, coins, wallet_transaction_id, created_at';

const PRIZE_OF = preparedStatement(
  'payout_prize_of',
  `SELECT ${COLUMNS} FROM prize_transactions
    WHERE registration_id = $1 AND placement = $2`,
);

const PRIZES_OF = preparedStatement(
  'payout_prizes_of',
  `SELECT ${COLUMNS} FROM prize_transactions
    WHERE tournament_id = $1 AND ($2 OR placement <> 'PARTICIPATION')
    ORDER BY id`,
);

// Each record is written once, in its credit's transaction. A credit paid
// now is recorded with a plain INSERT: its key was new, so no record can
// exist, and one that did would mean a second payment (it fails, and the
// whole batch with it). It is recorded only for a registration still
// VERIFIED, which it holds FOR SHARE until the payout commits: a
// registration cancelled before then is not paid (the payout fails and
// pays nothing), and one cancelled after waits for it. The check is an
// EXISTS per prize, an index probe, and prizes arrive sorted by
// registration, so registrations are held in ascending id order, the order
// setPlacements takes them in: the two cannot deadlock. A replayed credit
// (whose first run committed before it could replay) finds the record that
// run wrote, or, if that run was a plain keyed credit, records it now,
// whatever the registration's status since: the coins were paid.
const INPUT = `jsonb_to_recordset($1::jsonb)
       AS i(tournament_id bigint, registration_id bigint, placement text,
            coins bigint, wallet_transaction_id bigint)`;

const WRITTEN =
  '(tournament_id, registration_id, placement, coins, wallet_transaction_id)';

const RECORD_PAID_NOW = preparedStatement(
  'payout_record_prizes',
  `INSERT INTO prize_transactions ${WRITTEN}
   SELECT * FROM ${INPUT}
    WHERE EXISTS (
      SELECT 1 FROM registrations r
       WHERE r.id = i.registration_id AND r.tournament_id = i.tournament_id
         AND r.status = 'VERIFIED'
         FOR SHARE
    )
    ORDER BY registration_id, placement
   RETURNING registration_id`,
);

const RECORD_REPLAYED = preparedStatement(
  'payout_record_replayed_prizes',
  `INSERT INTO prize_transactions ${WRITTEN}
   SELECT * FROM ${INPUT}
    ORDER BY registration_id, placement
   ON CONFLICT (registration_id, placement) DO NOTHING
   RETURNING registration_id`,
);

interface PrizeRow {
  id: string;
  tournament_id: string;
  registration_id: string;
  placement: PrizePlacement;
  coins: string;
  wallet_transaction_id: string;
  created_at: Date;
}

/** The `prize_transactions` table: every prize a tournament paid, once. */
@Injectable()
export class PrizeRepository {
  constructor(private readonly database: SqlDatabase) {}

  /** The prize a registration holds for `placement`, if it was paid. */
  async prizeOf(
    registrationId: number,
    placement: PrizePlacement,
  ): Promise<PrizeRecord | null> {
    const [row] = await this.database.run<PrizeRow>(PRIZE_OF, [
      registrationId,
      placement,
    ]);
    return row === undefined ? null : prizeRecord(row);
  }

  /** A tournament's prizes, oldest first: all, or its placements' only. */
  async prizesOf(
    tournamentId: number,
    { withParticipation }: { withParticipation: boolean },
  ): Promise<PrizeRecord[]> {
    return (
      await this.database.run<PrizeRow>(PRIZES_OF, [
        tournamentId,
        withParticipation,
      ])
    ).map(prizeRecord);
  }

  /**
   * Records payments credited now; returns the registrations it recorded
   * (one still VERIFIED). A record that exists already stops the whole
   * transaction, paying nothing.
   */
  recordPaidNow(
    transaction: SqlRunner,
    payments: PaidPayment[],
  ): Promise<number[]> {
    return record(transaction, RECORD_PAID_NOW, payments);
  }

  /** Records replayed credits whose record is missing. */
  recordReplayed(
    transaction: SqlRunner,
    payments: PaidPayment[],
  ): Promise<number[]> {
    return record(transaction, RECORD_REPLAYED, payments);
  }
}

async function record(
  transaction: SqlRunner,
  statement: PreparedStatement,
  payments: PaidPayment[],
): Promise<number[]> {
  if (payments.length === 0) {
    return [];
  }
  try {
    const rows = await transaction.run<{ registration_id: string }>(statement, [
      // In registration order: the order RECORD_PAID_NOW locks them in.
      JSON.stringify(
        [...payments]
          .sort((a, b) => a.registrationId - b.registrationId)
          .map((payment) => ({
            tournament_id: payment.tournamentId,
            registration_id: payment.registrationId,
            placement: payment.placement,
            coins: payment.coins,
            wallet_transaction_id: payment.transactionId,
          })),
      ),
    ]);
    return rows.map((row) => safeIntegerFromDatabase(row.registration_id));
  } catch (error) {
    const { code, constraint } = postgresErrorOf(error);
    if (
      code === PostgresErrorCode.UniqueViolation &&
      constraint === 'prize_transactions_registration_placement_key'
    ) {
      throw new PrizeAlreadyRecorded(
        'a prize of this payout is recorded already under another key; nothing was paid',
      );
    }
    throw error;
  }
}

function prizeRecord(row: PrizeRow): PrizeRecord {
  return {
    id: safeIntegerFromDatabase(row.id),
    tournamentId: safeIntegerFromDatabase(row.tournament_id),
    registrationId: safeIntegerFromDatabase(row.registration_id),
    placement: row.placement,
    coins: safeIntegerFromDatabase(row.coins),
    walletTransactionId: safeIntegerFromDatabase(row.wallet_transaction_id),
    createdAt: row.created_at,
  };
}
