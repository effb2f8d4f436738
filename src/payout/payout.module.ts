import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EconomyModule } from '../economy';
import { PAYOUT_ENTITIES } from './entities';
import { ParticipationBackfill } from './participation-backfill';
import { PayoutService } from './payout.service';
import { PrizePayer } from './prize-payer';
import { PrizeRepository } from './repositories/prize.repository';
import { RegistrationRepository } from './repositories/registration.repository';
import { TournamentRepository } from './repositories/tournament.repository';
import { TournamentsService } from './tournaments.service';

/** Tournament payouts, each paid exactly once, on top of WalletService. */
@Module({
  imports: [TypeOrmModule.forFeature([...PAYOUT_ENTITIES]), EconomyModule],
  providers: [
    TournamentRepository,
    RegistrationRepository,
    PrizeRepository,
    PrizePayer,
    ParticipationBackfill,
    PayoutService,
    TournamentsService,
  ],
  exports: [PayoutService, TournamentsService],
})
export class PayoutModule {}
