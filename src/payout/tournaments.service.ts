import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { safeIntegerFromDatabase } from '../economy/domain/safe-integer';
import { UnknownProfile } from '../economy/errors/economy.errors';
import { retryTransient } from '../economy/persistence/transient-retry';
import {
  PostgresErrorCode,
  postgresErrorOf,
} from '../economy/persistence/postgres-error';
import type { Placement } from './entities/registration.entity';
import { Registration } from './entities/registration.entity';
import { Tournament } from './entities/tournament.entity';
import {
  AlreadyRegistered,
  InvalidPlacements,
  PayoutError,
  TournamentClosed,
  TournamentNotFound,
} from './payout.errors';
import { PayoutService, type PrizeRecord } from './payout.service';

export interface NewTournament {
  name: string;
  participationCoins: number;
  prizes: { WINNER: number; RUNNER_UP: number; TOP4: number };
}

export interface PlacementsInput {
  WINNER: number;
  RUNNER_UP: number;
  TOP4: number[];
}

interface RegistrationRow {
  id: string;
}

const REGISTER = `
INSERT INTO registrations (tournament_id, profile_id, status)
SELECT id, $2, 'PENDING' FROM tournaments
 WHERE id = $1 AND status = 'OPEN'
   FOR SHARE
RETURNING id`;

/**
 * The tournament life cycle payouts hang on: registration, payment
 * verification (which pays participation at once) and placements.
 */
@Injectable()
export class TournamentsService {
  private readonly logger = new Logger(TournamentsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly payouts: PayoutService,
  ) {}

  create(input: NewTournament): Promise<Tournament> {
    return this.dataSource.getRepository(Tournament).save({
      name: input.name,
      status: 'OPEN',
      participationCoins: input.participationCoins,
      winnerCoins: input.prizes.WINNER,
      runnerUpCoins: input.prizes.RUNNER_UP,
      top4Coins: input.prizes.TOP4,
    });
  }

  /**
   * Registers the profile, in one statement that reads the tournament OPEN
   * and holds it FOR SHARE until the registration is in: a completion
   * (which holds it FOR UPDATE) either commits first, and the registration
   * finds it closed, or waits for it.
   */
  async register(
    tournamentId: number,
    profileId: number,
  ): Promise<Registration> {
    let rows: RegistrationRow[];
    try {
      rows = await this.dataSource.query(REGISTER, [tournamentId, profileId]);
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
    if (rows.length === 0) {
      await this.payouts.findTournament(tournamentId);
      throw new TournamentClosed(
        `tournament ${tournamentId} takes no registrations`,
      );
    }
    return this.payouts.findRegistration(safeIntegerFromDatabase(rows[0].id));
  }

  /**
   * Marks the payment verified, then pays participation. A crash between the
   * two is healed by the backfill: verification is committed first, and the
   * payout is keyed, so nothing is lost and nothing is paid twice.
   */
  async verifyPayment(registrationId: number): Promise<{
    registration: Registration;
    participation: PrizeRecord | null;
  }> {
    await this.dataSource.query(
      `UPDATE registrations
          SET status = 'VERIFIED', payment_verified_at = now()
        WHERE id = $1 AND status = 'PENDING'`,
      [registrationId],
    );
    const registration = await this.payouts.findRegistration(registrationId);
    const participation =
      await this.payouts.awardParticipationForRegistration(registration);
    return { registration, participation };
  }

  /**
   * Sets the placements and completes the tournament, in one transaction
   * under the tournament's row lock: one WINNER, one RUNNER_UP, at most two
   * TOP4, each a distinct verified registration of this tournament. The
   * chosen registrations are locked in ascending id order before any is
   * changed, the order in which payouts hold registrations (FOR SHARE) while
   * they record prizes: the two never wait on each other in a cycle.
   */
  async setPlacements(
    tournamentId: number,
    placements: PlacementsInput,
  ): Promise<Tournament> {
    const chosen: [number, Placement][] = [
      [placements.WINNER, 'WINNER'],
      [placements.RUNNER_UP, 'RUNNER_UP'],
      ...placements.TOP4.map((id): [number, Placement] => [id, 'TOP4']),
    ];
    if (placements.TOP4.length > 2) {
      throw invalid('at most two TOP4 placements');
    }
    if (new Set(chosen.map(([id]) => id)).size !== chosen.length) {
      throw invalid('a registration holds at most one placement');
    }
    return retryTransient(() =>
      this.dataSource.transaction(async (manager: EntityManager) => {
        const [tournament] = await manager.getRepository(Tournament).find({
          where: { id: tournamentId },
          lock: { mode: 'pessimistic_write' },
        });
        if (!tournament) {
          throw new TournamentNotFound(`unknown tournament ${tournamentId}`);
        }
        if (tournament.status === 'COMPLETED') {
          throw new TournamentClosed(
            `tournament ${tournamentId} already has its placements`,
          );
        }
        const registrations = await manager.getRepository(Registration).find({
          where: { id: In(chosen.map(([id]) => id)) },
          order: { id: 'ASC' },
          lock: { mode: 'for_no_key_update' },
        });
        for (const [id] of chosen) {
          const registration = registrations.find((r) => r.id === id);
          if (!registration || registration.tournamentId !== tournamentId) {
            throw invalid(
              `registration ${id} is not of tournament ${tournamentId}`,
            );
          }
          if (registration.status !== 'VERIFIED') {
            throw invalid(`registration ${id} is not verified`);
          }
        }
        for (const [id, placement] of chosen) {
          await manager.update(Registration, { id }, { placement });
        }
        tournament.status = 'COMPLETED';
        await manager.save(tournament);
        this.logger.log(`tournament ${tournamentId} completed`);
        return tournament;
      }),
    );
  }
}

function invalid(detail: string): PayoutError {
  return new InvalidPlacements(detail);
}
