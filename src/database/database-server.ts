import type { Environment } from '../config/environment';
import { openEmbeddedCluster } from './embedded/embedded-cluster';

/** Where the service's PostgreSQL is, and how to let go of it at shutdown. */
export interface DatabaseServer {
  /** The service's login: reads and writes rows, owns nothing. */
  readonly url: string;
  /** The schema owner's login, for migrations only. */
  readonly migrationUrl: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
  /**
   * For a process that exits without calling `stop` (the TypeORM CLI calls
   * process.exit): let go of the cluster as it exits.
   */
  stopAtExit(): void;
}

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
