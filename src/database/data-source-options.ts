import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { logIdleConnectionError } from './idle-connection-errors';

const MIGRATIONS_GLOB = join(__dirname, '..', '..', 'migrations', '*.{ts,js}');

export const DEFAULT_POOL_SIZE = 10;

const QUERY_TIMEOUT_MARGIN_MS = 2_000;

/** How long the server waits, at most, for each thing a request needs. */
export interface DatabaseBounds {
  /** For a row or key lock (PostgreSQL's lock_timeout). */
  lockWaitMs: number;
  /** For one statement (statement_timeout). */
  statementMs: number;
  /** For a pooled connection, or a batched request for its turn. */
  poolWaitMs: number;
}

/**
 * The one description of our PostgreSQL connection, shared by the Nest app,
 * the TypeORM migration CLI (ormconfig.ts), the tests and the benchmark.
 * The schema comes from migrations only: never `synchronize`. The app's
 * entities come from its modules (see DatabaseModule); migrations need none.
 */
export function dataSourceOptions(
  url: string,
  poolSize = DEFAULT_POOL_SIZE,
  entities: DataSourceOptions['entities'] = [],
  bounds?: DatabaseBounds,
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
    extra: {
      max: poolSize,
      ...(bounds && {
        lock_timeout: bounds.lockWaitMs,
        statement_timeout: bounds.statementMs,
        connectionTimeoutMillis: bounds.poolWaitMs,
        // A server that stopped answering without closing the connection
        // (a host gone, a partition) is given up on here, a little after
        // the statement bound it would have enforced itself.
        query_timeout: bounds.statementMs + QUERY_TIMEOUT_MARGIN_MS,
        // TCP keepalive from 10 s of silence (the system's default is 2 h).
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      }),
    },
    poolErrorHandler: logIdleConnectionError,
  };
}
