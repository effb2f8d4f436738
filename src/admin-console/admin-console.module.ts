import { DynamicModule, Module } from '@nestjs/common';
import type { Environment } from '../config/environment';
import { CliExitStatus } from './cli-exit-status';
import { CliOutput } from './cli-output';
import { AdjustCommand } from './commands/adjust.command';
import { AwardParticipationCommand } from './commands/award-participation.command';
import { AwardPlacementsCommand } from './commands/award-placements.command';
import { BackfillParticipationCommand } from './commands/backfill-participation.command';
import {
  EventsCommand,
  EventsPruneCommand,
  EventsTailCommand,
} from './commands/events.command';
import { HoldsCommand, HoldsExpireCommand } from './commands/holds.command';
import { MigrateCommand } from './commands/migrate.command';
import {
  PurchaseCommand,
  PurchaseRefundCommand,
  PurchaseShowCommand,
} from './commands/purchase.command';
import {
  ShopCommand,
  ShopItemAddCommand,
  ShopItemCommand,
  ShopItemListCommand,
  ShopItemUpdateCommand,
} from './commands/shop.command';
import {
  PromoCommand,
  PromoCreateCommand,
  PromoShowCommand,
} from './commands/promo.command';
import { RecalcAllWalletsCommand } from './commands/recalc-all-wallets.command';
import { TokenCommand } from './commands/token.command';
import { VerifyLedgerCommand } from './commands/verify-ledger.command';
import { WalletCommand } from './commands/wallet.command';
import { CLI_ENVIRONMENT, LedgerSession } from './ledger-session';

/** The operators' CLI (src/cli.ts): reconciliation and operations, ids only. */
@Module({})
export class AdminConsoleModule {
  static forRoot(
    environment: Environment,
    status: CliExitStatus,
  ): DynamicModule {
    return {
      module: AdminConsoleModule,
      providers: [
        { provide: CLI_ENVIRONMENT, useValue: environment },
        { provide: CliExitStatus, useValue: status },
        CliOutput,
        LedgerSession,
        RecalcAllWalletsCommand,
        VerifyLedgerCommand,
        AdjustCommand,
        WalletCommand,
        MigrateCommand,
        TokenCommand,
        AwardParticipationCommand,
        AwardPlacementsCommand,
        BackfillParticipationCommand,
        HoldsCommand,
        HoldsExpireCommand,
        ShopCommand,
        ShopItemCommand,
        ShopItemAddCommand,
        ShopItemUpdateCommand,
        ShopItemListCommand,
        PurchaseCommand,
        PurchaseShowCommand,
        PurchaseRefundCommand,
        PromoCommand,
        PromoCreateCommand,
        PromoShowCommand,
        EventsCommand,
        EventsTailCommand,
        EventsPruneCommand,
      ],
    };
  }
}
