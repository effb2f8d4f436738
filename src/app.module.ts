import { DynamicModule, Module } from '@nestjs/common';
import type { Logger as Pino } from 'pino';
import { AuthModule, type AuthOptions } from './auth/auth.module';
import { DATABASE_PROBLEMS } from './database/database.errors';
import {
  DatabaseModule,
  type DatabaseModuleOptions,
} from './database/database.module';
import { ECONOMY_PROBLEMS, EconomyHttpModule } from './economy';
import { EventsHttpModule } from './events';
import { HealthModule } from './health/health.module';
import { HttpModule } from './http/http.module';
import { LoggingModule } from './logging/logging.module';
import { PAYOUT_PROBLEMS, PayoutHttpModule } from './payout';
import { PROFILE_PROBLEMS, ProfilesHttpModule } from './profiles';
import { PROMO_PROBLEMS, PromoHttpModule } from './promo';
import { SHOP_PROBLEMS, ShopHttpModule } from './shop';

export interface AppOptions {
  database: DatabaseModuleOptions;
  auth: AuthOptions;
  promo: { secret: string };
  /**
   * The server's root logger, which each request's lines go through with
   * its id; unset (tests), the app logs only through the logger it is given.
   */
  logs?: Pino;
}

/** The HTTP service: the edge, and each feature over HTTP. */
@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot(options.database),
        AuthModule.forRoot(options.auth),
        HttpModule.forRoot([
          DATABASE_PROBLEMS,
          PROFILE_PROBLEMS,
          ECONOMY_PROBLEMS,
          PAYOUT_PROBLEMS,
          SHOP_PROBLEMS,
          PROMO_PROBLEMS,
        ]),
        HealthModule,
        ProfilesHttpModule,
        EconomyHttpModule,
        PayoutHttpModule,
        ShopHttpModule,
        PromoHttpModule.forRoot(options.promo),
        EventsHttpModule,
        ...(options.logs ? [LoggingModule.forRoot(options.logs)] : []),
      ],
    };
  }
}
