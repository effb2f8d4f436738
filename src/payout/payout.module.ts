import { Module } from '@nestjs/common';
import { EconomyModule } from '../economy/economy.module';
import { LedgerDatabase } from '../economy/persistence/ledger-database';
import { PayoutService } from './payout.service';
import { TournamentsService } from './tournaments.service';

/** Tournament payouts, each paid exactly once, on top of WalletService. */
@Module({
  imports: [EconomyModule],
  // LedgerDatabase: the backfill reads its pages as a prepared statement.
  providers: [PayoutService, TournamentsService, LedgerDatabase],
  exports: [PayoutService, TournamentsService],
})
export class PayoutModule {}
