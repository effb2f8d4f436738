import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  dataSourceOptions,
  DEFAULT_POOL_SIZE,
  type DatabaseBounds,
} from './data-source-options';
import { BatchLanes } from './batches/batch-lanes';
import { DATABASE_POOL, type DatabasePool } from './database-pool';
import { SqlDatabase } from './sql-database';

export interface DatabaseModuleOptions {
  /** The service's role: migrations run before, as the schema's owner. */
  url: string;
  poolSize?: number;
  /** Connection attempts after the first fails, a second apart. */
  retryAttempts?: number;
  /** The server's waits, each bounded; none for the console's long jobs. */
  bounds?: DatabaseBounds;
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
          ...dataSourceOptions(
            options.url,
            options.poolSize,
            [],
            options.bounds,
          ),
          autoLoadEntities: true,
          retryAttempts: options.retryAttempts ?? 3,
          retryDelay: 1000,
        }),
      ],
      providers: [
        SqlDatabase,
        BatchLanes,
        {
          provide: DATABASE_POOL,
          useValue: {
            size: options.poolSize ?? DEFAULT_POOL_SIZE,
            bounds: options.bounds ?? null,
          } satisfies DatabasePool,
        },
      ],
      exports: [SqlDatabase, DATABASE_POOL, BatchLanes],
    };
  }
}
