import { Module } from '@nestjs/common';
import { EconomyModule } from '../economy/economy.module';
import { PayoutService } from './payout.service';
import { TournamentsService } from './tournaments.service';

/** Tournament payouts, each paid exactly once, on top of WalletService. */
@Module({
  imports: [EconomyModule],
  providers: [PayoutService, TournamentsService],
  exports: [PayoutService, TournamentsService],
})
export class PayoutModule {}
