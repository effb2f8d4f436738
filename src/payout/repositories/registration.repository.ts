import { Injectable } from '@nestjs/common';
import { safeIntegerFromDatabase } from '../../common/safe-integer';
import {
  PostgresErrorCode,
  postgresErrorOf,
} from '../../database/postgres-error';
import {
  SqlDatabase,
  preparedStatement,
  type SqlRunner,
} from '../../database/sql-database';
import { UnknownProfile } from '../../economy';
import type {
  Placement,
  Registration,
  RegistrationStatus,
} from '../entities/registration.entity';
import { AlreadyRegistered, RegistrationNotFound } from '../payout.errors';

const COLUMNS =
  'id, tournament_id, profile_id, status, payment_verified_at, placement, created_at';

const FIND = preparedStatement(
  'payout_find_registration',
  `SELECT ${COLUMNS} FROM registrations WHERE id = $1`,
);

// Reads the tournament OPEN and holds it FOR SHARE until the registration is
// in: a completion (which holds it FOR UPDATE) either commits first, and
// nothing is inserted, or waits for the registration.
const REGISTER = preparedStatement(
  'payout_register',
  `INSERT INTO registrations (tournament_id, profile_id, status)
   SELECT id, $2, 'PENDING' FROM tournaments
    WHERE id = $1 AND status = 'OPEN'
      FOR SHARE
   RETURNING ${COLUMNS}`,
);

const VERIFY = preparedStatement(
  'payout_verify_registration',
  `UPDATE registrations
      SET status = 'VERIFIED', payment_verified_at = now()
    WHERE id = $1 AND status = 'PENDING'`,
);

const PLACED = preparedStatement(
  'payout_placed_registrations',
  `SELECT ${COLUMNS} FROM registrations
    WHERE tournament_id = $1 AND placement IS NOT NULL
    ORDER BY id`,
);

const LOCK_MANY = preparedStatement(
  'payout_lock_registrations',
  `SELECT ${COLUMNS} FROM registrations
    WHERE id = ANY ($1::bigint[])
    ORDER BY id
      FOR NO KEY UPDATE`,
);

const PLACE = preparedStatement(
  'payout_place_registration',
  'UPDATE registrations SET placement = $2 WHERE id = $1',
);

/**
 * The next `$2` verified registrations after id `$1`: how many there are and
 * the last id (one row, whatever else), and those still due, unpaid in a
 * tournament with participation coins. Registrations paid already are
 * counted here and never shipped to the service, so a backfill over a long
 * history reads mostly counts. The prizes checked are those of the page's id
 * range alone: PostgreSQL merges the page with one range of the unique
 * index, never reading every prize ever paid (see docs/decisions.md).
 */
const DUE_PAGE = preparedStatement(
  'payout_due_page',
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

/** A verified registration found unpaid, and the participation coins it is due. */
export interface DueRegistration {
  registration: Pick<Registration, 'id' | 'tournamentId' | 'profileId'>;
  coins: number;
}

/** A page of verified registrations: how many, the last id, those still due. */
export interface DuePage {
  checked: number;
  lastId: number | null;
  due: DueRegistration[];
}

interface DueRow {
  id: string;
  profile_id: string;
  tournament_id: string;
  coins: string;
}

type DuePageRow = { checked: string; last_id: string | null } & (
  DueRow | { [K in keyof DueRow]: null }
);

interface RegistrationRow {
  id: string;
  tournament_id: string;
  profile_id: string;
  status: RegistrationStatus;
  payment_verified_at: Date | null;
  placement: Placement | null;
  created_at: Date;
}

/** The `registrations` table: who takes part in which tournament, and how they placed. */
@Injectable()
export class RegistrationRepository {
  constructor(private readonly database: SqlDatabase) {}

  /** The registration, or RegistrationNotFound. */
  async find(id: number): Promise<Registration> {
    const [row] = await this.database.run<RegistrationRow>(FIND, [id]);
    if (row === undefined) {
      throw new RegistrationNotFound(`unknown registration ${id}`);
    }
    return registration(row);
  }

  /** The new registration, or null when the tournament is not OPEN (or not there). */
  async register(
    tournamentId: number,
    profileId: number,
  ): Promise<Registration | null> {
    try {
      const [row] = await this.database.run<RegistrationRow>(REGISTER, [
        tournamentId,
        profileId,
      ]);
      return row === undefined ? null : registration(row);
    } catch (error) {
      const { code } = postgresErrorOf(error);
      if (code === PostgresErrorCode.UniqueViolation) {
        throw new AlreadyRegistered(
          `profile ${profileId} is already registered for tournament ${tournamentId}`,
        );
      }
      if (code === PostgresErrorCode.ForeignKeyViolation) {
        throw new UnknownProfile(`unknown profile ${profileId}`);
      }
      throw error;
    }
  }

  /** Marks a pending registration's payment verified; any other is left as it is. */
  async verify(id: number): Promise<void> {
    await this.database.run(VERIFY, [id]);
  }

  /** The tournament's placed registrations, in id order. */
  async placed(tournamentId: number): Promise<Registration[]> {
    return (
      await this.database.run<RegistrationRow>(PLACED, [tournamentId])
    ).map(registration);
  }

  /** The registrations, held FOR NO KEY UPDATE in ascending id order until `transaction` ends. */
  async lockMany(
    ids: number[],
    transaction: SqlRunner,
  ): Promise<Registration[]> {
    return (await transaction.run<RegistrationRow>(LOCK_MANY, [ids])).map(
      registration,
    );
  }

  /** The `size` verified registrations after id `after` (see DUE_PAGE). */
  async duePage(after: number, size: number): Promise<DuePage> {
    const rows = await this.database.run<DuePageRow>(DUE_PAGE, [after, size]);
    return {
      checked: safeIntegerFromDatabase(rows[0].checked),
      lastId:
        rows[0].last_id === null
          ? null
          : safeIntegerFromDatabase(rows[0].last_id),
      due: rows
        .filter((row): row is DuePageRow & DueRow => row.id !== null)
        .map((row) => ({
          registration: {
            id: safeIntegerFromDatabase(row.id),
            tournamentId: safeIntegerFromDatabase(row.tournament_id),
            profileId: safeIntegerFromDatabase(row.profile_id),
          },
          coins: safeIntegerFromDatabase(row.coins),
        })),
    };
  }

  async place(
    id: number,
    placement: Placement,
    transaction: SqlRunner,
  ): Promise<void> {
    await transaction.run(PLACE, [id, placement]);
  }
}

function registration(row: RegistrationRow): Registration {
  return {
    id: safeIntegerFromDatabase(row.id),
    tournamentId: safeIntegerFromDatabase(row.tournament_id),
    profileId: safeIntegerFromDatabase(row.profile_id),
    status: row.status,
    paymentVerifiedAt: row.payment_verified_at,
    placement: row.placement,
    createdAt: row.created_at,
  };
}
