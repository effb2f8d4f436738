import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule, type AuthOptions } from './auth/auth.module';
import { DATABASE_PROBLEMS } from './database/database.errors';
import {
  DatabaseModule,
  type DatabaseModuleOptions,
} from './database/database.module';
import { ECONOMY_PROBLEMS, EconomyHttpModule } from './economy';
import { HealthModule } from './health/health.module';
import { HttpModule } from './http/http.module';
import { PAYOUT_PROBLEMS, PayoutHttpModule } from './payout';
import { PROFILE_PROBLEMS, ProfilesHttpModule } from './profiles';
import { PROMO_PROBLEMS, PromoHttpModule } from './promo';
import { SHOP_PROBLEMS, ShopHttpModule } from './shop';

export interface AppOptions {
  database: DatabaseModuleOptions;
  auth: AuthOptions;
  promo: { secret: string };
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
      ],
    };
  }
}
