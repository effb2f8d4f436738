import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { logIdleConnectionError } from './idle-connection-errors';

const MIGRATIONS_GLOB = join(__dirname, '..', '..', 'migrations', '*.{ts,js}');

/**
 * The one description of our PostgreSQL connection, shared by the Nest app,
 * the TypeORM migration CLI (ormconfig.ts), the tests and the benchmark.
 * The schema comes from migrations only: never `synchronize`. The app's
 * entities come from its modules (see DatabaseModule); migrations need none.
 */
export function dataSourceOptions(
  url: string,
  poolSize = 10,
  entities: DataSourceOptions['entities'] = [],
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['warn', 'migration'],
    extra: { max: poolSize },
    poolErrorHandler: logIdleConnectionError,
  };
}
