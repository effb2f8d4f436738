import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options';

export interface DatabaseModuleOptions {
  url: string;
  poolSize?: number;
  /** Apply pending migrations when the connection opens. */
  migrationsRun?: boolean;
  /** Connection attempts after the first fails, a second apart. */
  retryAttempts?: number;
}

@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(options.url, options.poolSize),
          migrationsRun: options.migrationsRun ?? false,
          retryAttempts: options.retryAttempts ?? 3,
          retryDelay: 1000,
        }),
      ],
    };
  }
}
