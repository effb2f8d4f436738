import { Module } from '@nestjs/common';
import { PayoutModule } from '../payout.module';
import { RegistrationsController } from './registrations.controller';
import { TournamentsController } from './tournaments.controller';

/** Tournaments, registrations and payouts over HTTP. */
@Module({
  imports: [PayoutModule],
  controllers: [TournamentsController, RegistrationsController],
})
export class PayoutHttpModule {}
