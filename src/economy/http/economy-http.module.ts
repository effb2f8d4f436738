import { Module } from '@nestjs/common';
import { EconomyModule } from '../economy.module';
import { HoldExpiry } from './hold-expiry';
import { HoldsController } from './holds.controller';
import { TransfersController } from './transfers.controller';
import { WalletsController } from './wallets.controller';

/**
 * The economy over HTTP: wallets, history, credits, debits, transfers, holds;
 * and the expiry of holds, which the server runs.
 */
@Module({
  imports: [EconomyModule],
  controllers: [WalletsController, TransfersController, HoldsController],
  providers: [HoldExpiry],
})
export class EconomyHttpModule {}
