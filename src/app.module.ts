import { DynamicModule, Module } from '@nestjs/common';
import {
  DatabaseModule,
  type DatabaseModuleOptions,
} from './database/database.module';
import { EconomyModule } from './economy/economy.module';
import { HealthModule } from './health/health.module';

@Module({})
export class AppModule {
  static forRoot(database: DatabaseModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [DatabaseModule.forRoot(database), EconomyModule, HealthModule],
    };
  }
}
