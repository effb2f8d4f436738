import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  dataSourceOptions,
  DEFAULT_POOL_SIZE,
  type DatabaseBounds,
} from './data-source-options';
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

/** The pool's size and bounds, for what shares the pool out (the coalescer). */
export interface DatabasePool {
  size: number;
  bounds: DatabaseBounds | null;
}

export const DATABASE_POOL = Symbol('DATABASE_POOL');

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
        {
          provide: DATABASE_POOL,
          useValue: {
            size: options.poolSize ?? DEFAULT_POOL_SIZE,
            bounds: options.bounds ?? null,
          } satisfies DatabasePool,
        },
      ],
      exports: [SqlDatabase, DATABASE_POOL],
    };
  }
}
