import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options';
import { SqlDatabase } from './sql-database';

export interface DatabaseModuleOptions {
  /** The service's role: migrations run before, as the schema's owner. */
  url: string;
  poolSize?: number;
  /** Connection attempts after the first fails, a second apart. */
  retryAttempts?: number;
}

/**
 * The app's one connection pool, for every module: TypeORM's DataSource
 * (each module registers its entities with TypeOrmModule.forFeature) and
 * SqlDatabase on the same pool.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(options.url, options.poolSize),
          autoLoadEntities: true,
          retryAttempts: options.retryAttempts ?? 3,
          retryDelay: 1000,
        }),
      ],
      providers: [SqlDatabase],
      exports: [SqlDatabase],
    };
  }
}
