import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, Not } from 'typeorm';
import { requireInteger } from '../economy/domain/movement-input';
import { safeIntegerFromDatabase } from '../economy/domain/safe-integer';
import {
  EconomyError,
  EconomyErrorCode,
} from '../economy/errors/economy.errors';
import {
  LedgerDatabase,
  preparedStatement,
  type PreparedStatement,
  type SqlRunner,
} from '../economy/persistence/ledger-database';
import {
  PostgresErrorCode,
  postgresErrorOf,
} from '../economy/persistence/postgres-error';
import { WalletService } from '../economy/wallet.service';
import type { PrizePlacement } from './entities/prize-transaction.entity';
import { Registration, type Placement } from './entities/registration.entity';
import { Tournament } from './entities/tournament.entity';
import {
  PayoutError,
  PayoutErrorCode,
  PrizeAlreadyRecorded,
  RegistrationNotFound,
  RegistrationNotVerified,
  TournamentNotCompleted,
  TournamentNotFound,
} from './payout.errors';
import { TasksInFlight } from './tasks-in-flight';

/** A prize transaction as other modules read it. */
export interface PrizeRecord {
  id: number;
  tournamentId: number;
  registrationId: number;
  placement: PrizePlacement;
  coins: number;
  walletTransactionId: number;
  createdAt: Date;
}

export interface BackfillCounts {
  /** Verified registrations looked at. */
  checked: number;
  /** Paid now (or, in a dry run, that would be). */
  awarded: number;
  /**
   * Already paid, of a tournament without participation coins, or cancelled
   * while the backfill ran.
   */
  skipped: number;
  /** Refused by the economy (see `refused`), left unpaid. */
  failed: number;
  /** The first MAX_REFUSALS_LISTED refused registrations, and why. */
  refused: { registrationId: number; code: string }[];
}

/**
 * What an award did: the prizes it stands for, and how many of them it paid
 * now (0 when every one was paid already, by this or a concurrent call).
 */
export interface Award<T> {
  prizes: T;
  paidNow: number;
}

/** Refusals a backfill lists by id; beyond that it only counts them. */
export const MAX_REFUSALS_LISTED = 100;

interface Payment {
  tournamentId: number;
  registrationId: number;
  profileId: number;
  placement: PrizePlacement;
  coins: number;
  key: string;
}

/** A payment whose credit is written (now or by an earlier run). */
interface PaidPayment extends Payment {
  transactionId: number;
}

/** A verified registration the backfill found unpaid. */
interface DueRegistration {
  id: string;
  profile_id: string;
  tournament_id: string;
  coins: string;
}

/** A row of `duePage`: the page's counts, and a due registration or nulls. */
type DuePageRow = { checked: string; last_id: string | null } & (
  DueRegistration | { [K in keyof DueRegistration]: null }
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

// Batches paid at once by a backfill. Each waits on PostgreSQL for most of
// its time, so a few in flight keep both the database and the service busy;
// they lock wallets in the same ascending order, so they cannot deadlock.
const BACKFILL_BATCHES_IN_FLIGHT = 3;

/** The most verified registrations one backfill page reads. */
const MAX_PAGE_WINDOW = 10_000;

/** How far past a batch a page's window grows while nothing is due. */
const PAGE_WINDOW_GROWTH = 4;

/**
 * The next `$2` verified registrations after id `$1`: how many there are and
 * the last id (one row, whatever else), and those still due, unpaid in a
 * tournament with participation coins. Registrations paid already are
 * counted here and never shipped to the service, so a backfill over a long
 * history reads mostly counts. The prizes checked are those of the page's id
 * range alone: PostgreSQL merges the page with one range of the unique
 * index, never reading every prize ever paid, and a fraction of the cost of
 * one index probe per registration.
 */
const DUE_PAGE = preparedStatement(
  'due_page',
  `
WITH page AS (
  SELECT r.id, r.profile_id, r.tournament_id
    FROM registrations r
   WHERE r.status = 'VERIFIED' AND r.id > $1
   ORDER BY r.id
   LIMIT $2
),
totals AS (
  SELECT count(*) AS checked, max(id) AS last_id FROM page
)
SELECT s.checked, s.last_id, d.id, d.profile_id, d.tournament_id, d.coins
  FROM totals s
  LEFT JOIN (
    SELECT p.id, p.profile_id, p.tournament_id, t.participation_coins AS coins
      FROM page p
      JOIN tournaments t ON t.id = p.tournament_id
     WHERE t.participation_coins > 0
       AND NOT EXISTS (
         SELECT 1 FROM prize_transactions x
          WHERE x.registration_id = p.id
            AND x.registration_id > $1
            AND x.registration_id <= (SELECT last_id FROM totals)
            AND x.placement = 'PARTICIPATION'
       )
  ) d ON true
 ORDER BY d.id`,
);

const PRIZE_COLUMNS =
  'id, tournament_id, registration_id, placement, coins, wallet_transaction_id, created_at';

/**
 * Tournament payouts, each exactly once. Every payout is a WalletService
 * credit under a deterministic idempotency key, recorded in
 * prize_transactions in the same transaction: a re-run, a concurrent call or
 * a run after a crash replays the credit and finds the record.
 */
@Injectable()
export class PayoutService {
  private readonly logger = new Logger(PayoutService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly database: LedgerDatabase,
    private readonly wallets: WalletService,
  ) {}

  /** Participation coins of a verified registration; null when there are none to pay. */
  async awardParticipationForRegistration(
    registration: Pick<Registration, 'id'> | number,
  ): Promise<PrizeRecord | null> {
    return (await this.participationAward(registration)).prizes;
  }

  /** `awardParticipationForRegistration`, saying whether it paid now. */
  async participationAward(
    registration: Pick<Registration, 'id'> | number,
  ): Promise<Award<PrizeRecord | null>> {
    const found = await this.findRegistration(
      typeof registration === 'number' ? registration : registration.id,
    );
    if (found.status !== 'VERIFIED') {
      throw new RegistrationNotVerified(
        `registration ${found.id} is not verified`,
      );
    }
    const tournament = await this.findTournament(found.tournamentId);
    if (tournament.participationCoins === 0) {
      return { prizes: null, paidNow: 0 };
    }
    const paidNow = await this.pay([
      participationPayment(
        found,
        tournament.participationCoins,
        await this.wallets.ensureWallet(found.profileId),
      ),
    ]);
    return {
      prizes: await this.prizeOf(found.id, 'PARTICIPATION'),
      paidNow,
    };
  }

  /** Every placement prize of a completed tournament, in one transaction. */
  async awardPlacements(
    tournament: Pick<Tournament, 'id'> | number,
  ): Promise<PrizeRecord[]> {
    return (await this.placementsAward(tournament)).prizes;
  }

  /** `awardPlacements`, saying how many prizes it paid now. */
  async placementsAward(
    tournament: Pick<Tournament, 'id'> | number,
  ): Promise<Award<PrizeRecord[]>> {
    const found = await this.findTournament(
      typeof tournament === 'number' ? tournament : tournament.id,
    );
    if (found.status !== 'COMPLETED') {
      throw new TournamentNotCompleted(
        `tournament ${found.id} is not completed`,
      );
    }
    const placed = (
      await this.dataSource.getRepository(Registration).find({
        where: { tournamentId: found.id, placement: Not(IsNull()) },
        order: { id: 'ASC' },
      })
    ).filter(
      (registration): registration is Registration & { placement: Placement } =>
        prizeFor(found, registration.placement!) > 0,
    );
    const walletIds = await this.wallets.ensureWallets(
      placed.map((registration) => registration.profileId),
    );
    const payments = placed.map((registration, index): Payment => ({
      tournamentId: found.id,
      registrationId: registration.id,
      profileId: registration.profileId,
      placement: registration.placement,
      coins: prizeFor(found, registration.placement),
      key: `${registration.placement}:t:${found.id}:w:${walletIds[index]}`,
    }));
    const paidNow = await this.pay(payments);
    return { prizes: await this.placementPrizes(found.id), paidNow };
  }

  /**
   * Pays every verified registration that has no participation payout yet,
   * a batch per transaction, a few batches at once: a crash loses at most the
   * batches in flight, and the next run finishes the job without paying
   * anyone twice.
   */
  async backfillParticipationForVerifiedPayments(
    options: { dryRun?: boolean; batchSize?: number } = {},
  ): Promise<BackfillCounts> {
    const batchSize = requireInteger(
      'batch size',
      options.batchSize ?? 500,
      1,
      10_000,
    );
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
    const inFlight = new TasksInFlight(BACKFILL_BATCHES_IN_FLIGHT);
    try {
      for (let after = 0, window = batchSize; ;) {
        const page = await this.database.run<DuePageRow>(DUE_PAGE, [
          after,
          window,
        ]);
        // No last id: no verified registration after `after`.
        if (page[0].last_id === null) {
          break;
        }
        after = safeIntegerFromDatabase(page[0].last_id);
        const checked = safeIntegerFromDatabase(page[0].checked);
        const due = page.filter(
          (row): row is DuePageRow & DueRegistration => row.id !== null,
        );
        counts.checked += checked;
        counts.skipped += checked - due.length;
        // Over a long history most registrations were paid long ago: the
        // window doubles while pages hold none due, and is a batch again
        // once they do (a page that found many is paid in batches).
        window = due.length === 0 ? Math.min(window * 2, maxWindow) : batchSize;
        if (options.dryRun) {
          counts.awarded += due.length;
          continue;
        }
        for (let start = 0; start < due.length; start += batchSize) {
          const batch = due.slice(start, start + batchSize);
          // A registration paid meanwhile (by its verification, say)
          // replays: skipped, not awarded.
          await inFlight.add(async () => {
            const { paidNow, refused } = await this.payBatch(batch);
            counts.awarded += paidNow;
            counts.failed += refused.length;
            counts.skipped += batch.length - paidNow - refused.length;
            counts.refused.push(
              ...refused.slice(0, MAX_REFUSALS_LISTED - counts.refused.length),
            );
            this.logger.log(
              `backfill paid ${paidNow} registrations up to ${batch[batch.length - 1].id}`,
            );
          });
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

  /** The prize a registration holds for `placement`, if it was paid. */
  async prizeOf(
    registrationId: number,
    placement: PrizePlacement,
  ): Promise<PrizeRecord | null> {
    const rows: PrizeRow[] = await this.dataSource.query(
      `SELECT ${PRIZE_COLUMNS} FROM prize_transactions
        WHERE registration_id = $1 AND placement = $2`,
      [registrationId, placement],
    );
    return rows.length === 0 ? null : prizeRecord(rows[0]);
  }

  /** Every prize a tournament paid, participation and placements, oldest first. */
  async prizesOf(tournamentId: number): Promise<PrizeRecord[]> {
    const rows: PrizeRow[] = await this.dataSource.query(
      `SELECT ${PRIZE_COLUMNS} FROM prize_transactions
        WHERE tournament_id = $1
        ORDER BY id`,
      [tournamentId],
    );
    return rows.map(prizeRecord);
  }

  /** The placement prizes of a tournament, oldest first. */
  async placementPrizes(tournamentId: number): Promise<PrizeRecord[]> {
    const rows: PrizeRow[] = await this.dataSource.query(
      `SELECT ${PRIZE_COLUMNS} FROM prize_transactions
        WHERE tournament_id = $1 AND placement <> 'PARTICIPATION'
        ORDER BY id`,
      [tournamentId],
    );
    return rows.map(prizeRecord);
  }

  private async participationPayments(
    due: DueRegistration[],
  ): Promise<Payment[]> {
    const profileIds = due.map((row) =>
      safeIntegerFromDatabase(row.profile_id),
    );
    const walletIds = await this.wallets.ensureWallets(profileIds);
    return due.map((row, index) =>
      participationPayment(
        {
          id: safeIntegerFromDatabase(row.id),
          tournamentId: safeIntegerFromDatabase(row.tournament_id),
          profileId: profileIds[index],
        },
        safeIntegerFromDatabase(row.coins),
        walletIds[index],
      ),
    );
  }

  /**
   * Pays a backfill batch. When the batch is refused (one registration's
   * credit would overflow its wallet, or it was cancelled meanwhile, say),
   * its registrations are paid one by one instead: one bad registration must
   * not hold up every registration after it, run after run. A registration
   * no longer verified is no longer due (skipped); one the economy refuses
   * is reported. Anything else (the database gone) still stops the backfill.
   */
  private async payBatch(
    due: DueRegistration[],
  ): Promise<{ paidNow: number; refused: BackfillCounts['refused'] }> {
    const payments = await this.participationPayments(due);
    try {
      return { paidNow: await this.pay(payments), refused: [] };
    } catch (error) {
      if (!isRefusal(error) && !isNoLongerDue(error)) {
        throw error;
      }
    }
    let paidNow = 0;
    const refused: BackfillCounts['refused'] = [];
    for (const payment of payments) {
      try {
        paidNow += await this.pay([payment]);
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

  /**
   * Credits and records `payments` in one transaction; returns how many were
   * paid now rather than replayed. Callers read the records afterwards.
   */
  private pay(payments: Payment[]): Promise<number> {
    return this.wallets.creditAll(
      payments.map((payment) => ({
        profileId: payment.profileId,
        amount: payment.coins,
        reason: payment.placement,
        idempotencyKey: payment.key,
        meta: {
          tournamentId: payment.tournamentId,
          registrationId: payment.registrationId,
        },
      })),
      async (results, transaction) => {
        const paidNow: PaidPayment[] = [];
        const replayed: PaidPayment[] = [];
        payments.forEach((payment, index) => {
          const result = results[index];
          (result.replayed ? replayed : paidNow).push({
            ...payment,
            transactionId: result.transactionId,
          });
        });
        const recorded = new Set(
          await recordPrizes(transaction, RECORD_PRIZES, paidNow),
        );
        const unverified = paidNow.find(
          (payment) => !recorded.has(payment.registrationId),
        );
        if (unverified !== undefined) {
          throw new RegistrationNotVerified(
            `registration ${unverified.registrationId} is no longer verified; nothing was paid`,
          );
        }
        await recordPrizes(transaction, RECORD_REPLAYED_PRIZES, replayed);
        return paidNow.length;
      },
    );
  }

  async findRegistration(id: number): Promise<Registration> {
    const found = Number.isSafeInteger(id)
      ? await this.dataSource.getRepository(Registration).findOneBy({ id })
      : null;
    if (!found) {
      throw new RegistrationNotFound(`unknown registration ${id}`);
    }
    return found;
  }

  async findTournament(id: number): Promise<Tournament> {
    const found = Number.isSafeInteger(id)
      ? await this.dataSource.getRepository(Tournament).findOneBy({ id })
      : null;
    if (!found) {
      throw new TournamentNotFound(`unknown tournament ${id}`);
    }
    return found;
  }
}

// Each record is written once, in its credit's transaction. A credit paid
// now is recorded with a plain INSERT: its key was new, so no record can
// exist, and one that did would mean a second payment (it fails, and the
// whole batch with it). It is recorded only for a registration still
// VERIFIED, which it holds FOR SHARE until the payout commits: a
// registration cancelled before then is not paid (the payout fails and
// pays nothing), and one cancelled after waits for it. The check is an
// EXISTS per prize, an index probe (as a join it became a hash join over
// every registration), and prizes arrive sorted by registration, so
// registrations are held in ascending id order, the order setPlacements
// takes them in: the two cannot deadlock. A replayed credit
// (whose first run committed before it could replay) finds the record that
// run wrote, or, if that run was a plain keyed credit, records it now,
// whatever the registration's status since: the coins were paid.
const PRIZE_INPUT = `jsonb_to_recordset($1::jsonb)
       AS i(tournament_id bigint, registration_id bigint, placement text,
            coins bigint, wallet_transaction_id bigint)`;

const PRIZE_COLUMNS_WRITTEN =
  '(tournament_id, registration_id, placement, coins, wallet_transaction_id)';

const RECORD_PRIZES = preparedStatement(
  'record_prizes',
  `INSERT INTO prize_transactions ${PRIZE_COLUMNS_WRITTEN}
   SELECT * FROM ${PRIZE_INPUT}
    WHERE EXISTS (
      SELECT 1 FROM registrations r
       WHERE r.id = i.registration_id AND r.tournament_id = i.tournament_id
         AND r.status = 'VERIFIED'
         FOR SHARE
    )
    ORDER BY registration_id, placement
   RETURNING registration_id`,
);

const RECORD_REPLAYED_PRIZES = preparedStatement(
  'record_replayed_prizes',
  `INSERT INTO prize_transactions ${PRIZE_COLUMNS_WRITTEN}
   SELECT * FROM ${PRIZE_INPUT}
    ORDER BY registration_id, placement
   ON CONFLICT (registration_id, placement) DO NOTHING
   RETURNING registration_id`,
);

/**
 * Records `payments` with `statement`; returns the registrations it recorded.
 * The record of a new payout that exists already stops the whole
 * transaction, paying nothing.
 */
async function recordPrizes(
  transaction: SqlRunner,
  statement: PreparedStatement,
  payments: PaidPayment[],
): Promise<number[]> {
  if (payments.length === 0) {
    return [];
  }
  try {
    const rows = await transaction.run<{ registration_id: string }>(statement, [
      // In registration order: the order RECORD_PRIZES locks them in.
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

/** The participation payout of a registration, keyed by it and the wallet it pays. */
function participationPayment(
  registration: Pick<Registration, 'id' | 'tournamentId' | 'profileId'>,
  coins: number,
  walletId: number,
): Payment {
  return {
    tournamentId: registration.tournamentId,
    registrationId: registration.id,
    profileId: registration.profileId,
    placement: 'PARTICIPATION',
    coins,
    key: `participation:reg:${registration.id}:w:${walletId}`,
  };
}

function prizeFor(tournament: Tournament, placement: PrizePlacement): number {
  switch (placement) {
    case 'WINNER':
      return tournament.winnerCoins;
    case 'RUNNER_UP':
      return tournament.runnerUpCoins;
    case 'TOP4':
      return tournament.top4Coins;
    case 'PARTICIPATION':
      return tournament.participationCoins;
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
