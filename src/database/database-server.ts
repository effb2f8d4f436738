import type { Environment } from '../config/environment';
import type { DatabaseServer } from './database-server.types';
import { openEmbeddedCluster } from './embedded/embedded-cluster';

/**
 * `DATABASE_URL` when set (migrations on `DATABASE_MIGRATION_URL`, or on
 * `DATABASE_URL` too when that is unset); otherwise an embedded PostgreSQL
 * whose cluster lives under `DATA_DIR/postgres`, so coins survive a restart
 * of `npm start`.
 */
export async function openDatabaseServer(
  environment: Environment,
  log: (message: string) => void = () => undefined,
): Promise<DatabaseServer> {
  if (environment.DATABASE_URL) {
    return {
      url: environment.DATABASE_URL,
      migrationUrl:
        environment.DATABASE_MIGRATION_URL ?? environment.DATABASE_URL,
      embedded: false,
      stop: () => Promise.resolve(),
      stopAtExit: () => undefined,
    };
  }
  return openEmbeddedCluster(environment, log);
}

export type { DatabaseServer };
