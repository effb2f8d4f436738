import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import type { Environment } from '../../config/environment';
import type { DatabaseServer } from '../database-server';
import { ClusterUsers } from './cluster-users';
import { loadEmbeddedPostgres } from './load-embedded-postgres';
import { isClusterRunning, stopPostmaster } from './postmaster';
import { waitUntil } from './wait-until';

const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'postgres';
const EMBEDDED_DATABASE = 'deltacrown_economy';

/**
 * The embedded PostgreSQL whose cluster lives under `DATA_DIR/postgres`:
 * started by this process, or the one another process (the server, say)
 * runs already. The last process using it stops it, whoever started it.
 */
export async function openEmbeddedCluster(
  environment: Environment,
  log: (message: string) => void,
): Promise<DatabaseServer> {
  const databaseDir = resolve(environment.DATA_DIR, 'postgres');
  const users = new ClusterUsers(
    resolve(environment.DATA_DIR, 'postgres-users'),
  );
  const port = environment.EMBEDDED_POSTGRES_PORT;
  const url = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
  const server = (stop: () => Promise<void>): DatabaseServer => ({
    url,
    migrationUrl: url,
    embedded: true,
    stop: () => users.leave(stop),
    stopAtExit: () => users.leaveAtExit(databaseDir, log),
  });
  const attached = server(() => stopPostmaster(databaseDir, log));
  await users.join();
  try {
    if (isClusterRunning(databaseDir, log)) {
      log(`using the embedded PostgreSQL already running on 127.0.0.1:${port}`);
      if (await acceptsWhileRunning(url, databaseDir, log)) {
        return attached;
      }
      // Its last user was stopping it: start it again.
    }
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const cluster = new EmbeddedPostgres({
      databaseDir,
      port,
      user: EMBEDDED_USER,
      password: EMBEDDED_PASSWORD,
      persistent: true,
      createPostgresUser: true,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
      onLog: () => undefined,
      onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
    });
    try {
      if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
        log(`initialising embedded PostgreSQL in ${databaseDir}`);
        await cluster.initialise();
      }
      await cluster.start();
      await createDatabaseIfMissing(cluster.getPgClient(), EMBEDDED_DATABASE);
    } catch (error) {
      // Another process (a second CLI run, say) may have started it first.
      if (
        (await waitUntil(() => isClusterRunning(databaseDir, log), 250)) &&
        (await acceptsWhileRunning(url, databaseDir, log))
      ) {
        log(
          `using the embedded PostgreSQL another process started on 127.0.0.1:${port}`,
        );
        return attached;
      }
      // embedded-postgres rejects without a reason; PostgreSQL's own is in
      // its log, which it does not keep.
      throw new Error(
        `the embedded PostgreSQL in ${databaseDir} did not start on 127.0.0.1:${port}${error instanceof Error ? `: ${error.message}` : ' (is the port taken by another program?)'}`,
      );
    }
    log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
    return server(() => cluster.stop());
  } catch (error) {
    await users.leave(() => Promise.resolve());
    throw error;
  }
}

/** Whether the cluster accepts connections before it stops running, if it does. */
async function acceptsWhileRunning(
  url: string,
  databaseDir: string,
  log: (message: string) => void,
): Promise<boolean> {
  let accepting = false;
  await waitUntil(
    async () =>
      (accepting = await accepts(url)) || !isClusterRunning(databaseDir, log),
    250,
  );
  return accepting;
}

async function accepts(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createDatabaseIfMissing(
  client: {
    connect(): Promise<unknown>;
    query(
      sql: string,
      params?: unknown[],
    ): Promise<{ rowCount: number | null }>;
    end(): Promise<void>;
  },
  name: string,
): Promise<void> {
  await client.connect();
  try {
    const existing = await client.query(
      'SELECT 1 FROM pg_database WHERE datname = $1',
      [name],
    );
    if (existing.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`);
    }
  } finally {
    await client.end();
  }
}
