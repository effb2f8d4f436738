import { Injectable } from '@nestjs/common';
import { requireInteger, WalletService } from '../economy';
import type { PrizePlacement } from './entities/prize-transaction.entity';
import type { Registration } from './entities/registration.entity';
import type { Tournament } from './entities/tournament.entity';
import { ParticipationBackfill } from './participation-backfill';
import { participationPayment, placementPayment, prizeFor } from './payments';
import {
  RegistrationNotVerified,
  TournamentNotCompleted,
} from './payout.errors';
import type { Award, BackfillCounts, PrizeRecord } from './payout.types';
import { PrizePayer } from './prize-payer';
import { PrizeRepository } from './repositories/prize.repository';
import { RegistrationRepository } from './repositories/registration.repository';
import { TournamentRepository } from './repositories/tournament.repository';

/**
 * Tournament payouts, each exactly once: every payout is a keyed credit
 * recorded in prize_transactions in the same transaction (see PrizePayer),
 * under a key that names the prize and the wallet it pays.
 */
@Injectable()
export class PayoutService {
  constructor(
    private readonly tournaments: TournamentRepository,
    private readonly registrations: RegistrationRepository,
    private readonly prizes: PrizeRepository,
    private readonly payer: PrizePayer,
    private readonly backfill: ParticipationBackfill,
    private readonly wallets: WalletService,
  ) {}

  /** Participation coins of a verified registration; no prize when its tournament pays none. */
  async awardParticipation(
    registration: Pick<Registration, 'id'> | number,
  ): Promise<Award<PrizeRecord | null>> {
    const found = await this.registrations.find(idOf(registration));
    if (found.status !== 'VERIFIED') {
      throw new RegistrationNotVerified(
        `registration ${found.id} is not verified`,
      );
    }
    const tournament = await this.tournaments.find(found.tournamentId);
    if (tournament.participationCoins === 0) {
      return { prizes: null, paidNow: 0 };
    }
    const paidNow = await this.payer.pay([
      participationPayment(
        found,
        tournament.participationCoins,
        await this.wallets.ensureWallet(found.profileId),
      ),
    ]);
    return {
      prizes: await this.prizes.prizeOf(found.id, 'PARTICIPATION'),
      paidNow,
    };
  }

  /** Every placement prize of a completed tournament, in one transaction. */
  async awardPlacements(
    tournament: Pick<Tournament, 'id'> | number,
  ): Promise<Award<PrizeRecord[]>> {
    const found = await this.tournaments.find(idOf(tournament));
    if (found.status !== 'COMPLETED') {
      throw new TournamentNotCompleted(
        `tournament ${found.id} is not completed`,
      );
    }
    const placed = (await this.registrations.placed(found.id)).filter(
      (
        registration,
      ): registration is Registration & { placement: PrizePlacement } =>
        prizeFor(found, registration.placement!) > 0,
    );
    const walletIds = await this.wallets.ensureWallets(
      placed.map((registration) => registration.profileId),
    );
    const paidNow = await this.payer.pay(
      placed.map((registration, index) =>
        placementPayment(found, registration, walletIds[index]),
      ),
    );
    return {
      prizes: await this.prizes.prizesOf(found.id, {
        withParticipation: false,
      }),
      paidNow,
    };
  }

  /** Participation for every verified registration still unpaid (see ParticipationBackfill). */
  async backfillParticipationForVerifiedPayments(
    options: { dryRun?: boolean; batchSize?: number } = {},
  ): Promise<BackfillCounts> {
    return await this.backfill.run({
      dryRun: options.dryRun ?? false,
      batchSize: requireInteger(
        'batch size',
        options.batchSize ?? 500,
        1,
        10_000,
      ),
    });
  }

  /** Every prize a tournament paid, participation and placements, oldest first. */
  async prizesOf(tournamentId: number): Promise<PrizeRecord[]> {
    await this.tournaments.find(tournamentId);
    return this.prizes.prizesOf(tournamentId, { withParticipation: true });
  }
}

function idOf(entity: { id: number } | number): number {
  return typeof entity === 'number' ? entity : entity.id;
}
