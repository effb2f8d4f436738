import { Injectable, Logger } from '@nestjs/common';
import { SqlDatabase } from '../database/sql-database';
import { retryTransient } from '../database/transient-retry';
import type { Placement, Registration } from './entities/registration.entity';
import type { Tournament } from './entities/tournament.entity';
import { InvalidPlacements, TournamentClosed } from './payout.errors';
import type {
  NewTournament,
  PlacementsInput,
  PrizeRecord,
} from './payout.types';
import { PayoutService } from './payout.service';
import { RegistrationRepository } from './repositories/registration.repository';
import { TournamentRepository } from './repositories/tournament.repository';

/**
 * The tournament life cycle payouts hang on: registration, payment
 * verification (which pays participation at once) and placements.
 */
@Injectable()
export class TournamentsService {
  private readonly logger = new Logger(TournamentsService.name);

  constructor(
    private readonly database: SqlDatabase,
    private readonly tournaments: TournamentRepository,
    private readonly registrations: RegistrationRepository,
    private readonly payouts: PayoutService,
  ) {}

  create(input: NewTournament): Promise<Tournament> {
    return this.tournaments.create(input);
  }

  /** The tournament, or TournamentNotFound. */
  find(id: number): Promise<Tournament> {
    return this.tournaments.find(id);
  }

  /** The registration, or RegistrationNotFound. */
  findRegistration(id: number): Promise<Registration> {
    return this.registrations.find(id);
  }

  /** Registers the profile for an OPEN tournament (see RegistrationRepository.register). */
  async register(
    tournamentId: number,
    profileId: number,
  ): Promise<Registration> {
    const registered = await this.registrations.register(
      tournamentId,
      profileId,
    );
    if (registered === null) {
      await this.tournaments.find(tournamentId);
      throw new TournamentClosed(
        `tournament ${tournamentId} takes no registrations`,
      );
    }
    return registered;
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
    await this.registrations.verify(registrationId);
    const registration = await this.registrations.find(registrationId);
    const { prizes } = await this.payouts.awardParticipation(registration);
    return { registration, participation: prizes };
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
      throw new InvalidPlacements('at most two TOP4 placements');
    }
    if (new Set(chosen.map(([id]) => id)).size !== chosen.length) {
      throw new InvalidPlacements('a registration holds at most one placement');
    }
    return retryTransient(() =>
      this.database.transaction(async (transaction) => {
        const tournament = await this.tournaments.lock(
          tournamentId,
          transaction,
        );
        if (tournament.status === 'COMPLETED') {
          throw new TournamentClosed(
            `tournament ${tournamentId} already has its placements`,
          );
        }
        const locked = await this.registrations.lockMany(
          chosen.map(([id]) => id),
          transaction,
        );
        for (const [id] of chosen) {
          assertPlaceable(
            locked.find((r) => r.id === id),
            id,
            tournamentId,
          );
        }
        for (const [id, placement] of chosen) {
          await this.registrations.place(id, placement, transaction);
        }
        const completed = await this.tournaments.complete(
          tournamentId,
          transaction,
        );
        this.logger.log(`tournament ${tournamentId} completed`);
        return completed;
      }),
    );
  }
}

function assertPlaceable(
  registration: Registration | undefined,
  id: number,
  tournamentId: number,
): void {
  if (!registration || registration.tournamentId !== tournamentId) {
    throw new InvalidPlacements(
      `registration ${id} is not of tournament ${tournamentId}`,
    );
  }
  if (registration.status !== 'VERIFIED') {
    throw new InvalidPlacements(`registration ${id} is not verified`);
  }
}
