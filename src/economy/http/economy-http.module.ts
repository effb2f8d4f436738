import { Module } from '@nestjs/common';
import { EconomyModule } from '../economy.module';
import { TransfersController } from './transfers.controller';
import { WalletsController } from './wallets.controller';

/** The economy over HTTP: wallets, history, credits, debits, transfers. */
@Module({
  imports: [EconomyModule],
  controllers: [WalletsController, TransfersController],
})
export class EconomyHttpModule {}
