import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { ECONOMY_ENTITIES } from '../economy/entities';
import { PAYOUT_ENTITIES } from '../payout/entities';
import { logIdleConnectionError } from './idle-connection-errors';

const MIGRATIONS_GLOB = join(__dirname, '..', '..', 'migrations', '*.{ts,js}');

/**
 * The one description of our PostgreSQL connection, shared by the Nest app,
 * the TypeORM migration CLI (ormconfig.ts), the tests and the benchmark.
 * The schema comes from migrations only: never `synchronize`.
 */
export function dataSourceOptions(
  url: string,
  poolSize = 10,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [...ECONOMY_ENTITIES, ...PAYOUT_ENTITIES],
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['warn', 'migration'],
    extra: { max: poolSize },
    poolErrorHandler: logIdleConnectionError,
  };
}
