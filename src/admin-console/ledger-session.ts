import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { LazyModuleLoader } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { Environment } from '../config/environment';
import {
  openDatabaseServer,
  type DatabaseServer,
} from '../database/database-server';
import { DatabaseModule } from '../database/database.module';
import { EconomyModule, LedgerService, WalletService } from '../economy';
import { EventFeed, EventsModule } from '../events';
import { PayoutModule, PayoutService } from '../payout';
import { CampaignService, PromoModule, resolvePromoSecret } from '../promo';
import {
  CatalogService,
  PurchaseLifecycle,
  PurchaseReads,
  ShopModule,
} from '../shop';

export const CLI_ENVIRONMENT = Symbol('CLI_ENVIRONMENT');

export interface Ledger {
  wallets: WalletService;
  ledger: LedgerService;
  payouts: PayoutService;
  catalog: CatalogService;
  purchases: PurchaseLifecycle;
  purchaseReads: PurchaseReads;
  campaigns: CampaignService;
  events: EventFeed;
  dataSource: DataSource;
}

/**
 * The database, opened on first use: `--help` and bad arguments never start
 * PostgreSQL. Same configuration as the server (DATABASE_URL, or the embedded
 * cluster under DATA_DIR, reused when the server already runs it), and the
 * same roles: the commands use the service's, `migrate` the schema owner's.
 */
@Injectable()
export class LedgerSession implements OnApplicationShutdown {
  private server?: DatabaseServer;
  private opened?: Ledger;

  constructor(
    private readonly lazyModules: LazyModuleLoader,
    @Inject(CLI_ENVIRONMENT) private readonly environment: Environment,
  ) {}

  async open(): Promise<Ledger> {
    if (this.opened) {
      return this.opened;
    }
    const { url } = await this.database();
    const promoSecret = await resolvePromoSecret(this.environment);
    const moduleRef = await this.lazyModules.load(() => ({
      module: class LedgerRuntimeModule {},
      imports: [
        DatabaseModule.forRoot({
          url,
          poolSize: Math.min(this.environment.DATABASE_POOL_SIZE, 4),
          retryAttempts: 0,
        }),
        EconomyModule,
        PayoutModule,
        ShopModule,
        PromoModule.forRoot({ secret: promoSecret }),
        EventsModule,
      ],
    }));
    this.opened = {
      wallets: moduleRef.get(WalletService, { strict: false }),
      ledger: moduleRef.get(LedgerService, { strict: false }),
      payouts: moduleRef.get(PayoutService, { strict: false }),
      catalog: moduleRef.get(CatalogService, { strict: false }),
      purchases: moduleRef.get(PurchaseLifecycle, { strict: false }),
      purchaseReads: moduleRef.get(PurchaseReads, { strict: false }),
      campaigns: moduleRef.get(CampaignService, { strict: false }),
      events: moduleRef.get(EventFeed, { strict: false }),
      dataSource: moduleRef.get(DataSource, { strict: false }),
    };
    return this.opened;
  }

  /** The schema owner's login, for `migrate` alone. */
  async migrationUrl(): Promise<string> {
    return (await this.database()).migrationUrl;
  }

  private async database(): Promise<DatabaseServer> {
    this.server ??= await openDatabaseServer(this.environment);
    return this.server;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.opened?.dataSource.isInitialized) {
      await this.opened.dataSource.destroy();
    }
    await this.server?.stop();
  }
}
