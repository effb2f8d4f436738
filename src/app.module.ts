import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule, type AuthOptions } from './auth/auth.module';
import {
  DatabaseModule,
  type DatabaseModuleOptions,
} from './database/database.module';
import { ECONOMY_PROBLEMS } from './economy/http/economy-problems';
import { EconomyHttpModule } from './economy/http/economy-http.module';
import { HealthModule } from './health/health.module';
import { HttpModule } from './http/http.module';
import { PAYOUT_PROBLEMS } from './payout/http/payout-problems';
import { PayoutHttpModule } from './payout/http/payout-http.module';
import { PROFILE_PROBLEMS } from './profiles/profile-problems';
import { ProfilesModule } from './profiles/profiles.module';

export interface AppOptions {
  database: DatabaseModuleOptions;
  auth: AuthOptions;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot(options.database),
        AuthModule.forRoot(options.auth),
        HttpModule.forRoot([
          ECONOMY_PROBLEMS,
          PAYOUT_PROBLEMS,
          PROFILE_PROBLEMS,
        ]),
        HealthModule,
        ProfilesModule,
        EconomyHttpModule,
        PayoutHttpModule,
      ],
    };
  }
}
