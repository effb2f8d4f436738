// What a new user gets from `npm start` with no configuration at all: the real
// entry point (src/main.ts) runs as a child process, starts an embedded
// PostgreSQL under DATA_DIR, applies the migrations and serves GET /health;
// the coins it holds survive a stop (SIGTERM) and a second start.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { runCli } from '../support/cli-process';
import { freePort } from '../support/free-port';

const REPO_ROOT = resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

jest.setTimeout(120_000);

interface ServerProcess {
  child: ChildProcess;
  /** Everything the process printed, stdout and stderr interleaved. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ServerProcess[] = [];

function startServer(overrides: Record<string, string>): ServerProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.ECONOMY_TEST_SERVER_URL;
  delete env.TEST_DATABASE_URL;
  Object.assign(env, overrides);
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', 'src/main.ts'],
    // Its own process group, so afterAll can reach the embedded PostgreSQL
    // too if the server had to be killed outright.
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const server = { child, output: () => printed, exited };
  started.push(server);
  return server;
}

function isRunning(server: ServerProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** Polls /health until it answers; fails early if the server dies. */
async function waitForHealth(
  server: ServerProcess,
  port: number,
): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isRunning(server)) {
      throw new Error(
        `server exited (${String(server.child.exitCode ?? server.child.signalCode)}) before answering /health:\n${server.output()}`,
      );
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`, {
        signal: AbortSignal.timeout(5_000),
      });
      return { status: response.status, body: await response.json() };
    } catch {
      await sleep(250);
    }
  }
  throw new Error(
    `no answer from /health within ${START_TIMEOUT_MS} ms:\n${server.output()}`,
  );
}

/** Resolves as `promise` does, or rejects with `message` after `ms`. */
async function within<T>(
  promise: Promise<T>,
  ms: number,
  message: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function stopServer(
  server: ServerProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  server.child.kill('SIGTERM');
  return within(
    server.exited,
    STOP_TIMEOUT_MS,
    () =>
      `server still running ${STOP_TIMEOUT_MS} ms after SIGTERM:\n${server.output()}`,
  );
}

async function withDatabase<T>(
  url: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function migrationCount(client: Client): Promise<number> {
  const result = await client.query<{ count: string }>(
    'SELECT count(*) AS count FROM schema_migrations',
  );
  return Number(result.rows[0].count);
}

/** Stops the postmaster of `clusterDir` if one is still running. */
async function stopOrphanPostmaster(clusterDir: string): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) {
    return;
  }
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  const isOurs = async () => {
    try {
      const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      return commandLine.includes(clusterDir);
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 0 || !(await isOurs())) {
    return;
  }
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 10_000 && (await isOurs()); waited += 250) {
    await sleep(250);
  }
  if (await isOurs()) {
    process.kill(pid, 'SIGKILL');
  }
}

describe('npm start with no configuration', () => {
  let workDir: string;
  let dataDir: string;
  let httpPort: number;
  let postgresPort: number;
  let databaseUrl: string;
  let walletId: string;
  let migrationsAfterFirstStart: number;

  const environment = () => ({
    DATA_DIR: dataDir,
    PORT: String(httpPort),
    EMBEDDED_POSTGRES_PORT: String(postgresPort),
  });

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'deltacrown-zero-config-'));
    // The embedded cluster runs as the unprivileged `postgres` user.
    await chmod(workDir, 0o755);
    dataDir = join(workDir, 'data');
    httpPort = await freePort();
    postgresPort = await freePort();
    while (postgresPort === httpPort) {
      postgresPort = await freePort();
    }
    databaseUrl = `postgres://postgres:postgres@127.0.0.1:${postgresPort}/deltacrown_economy`;
  });

  afterAll(async () => {
    for (const server of started) {
      if (!isRunning(server) || server.child.pid === undefined) {
        continue;
      }
      server.child.kill('SIGTERM');
      const stopped = await within(server.exited, 10_000, () => '').then(
        () => true,
        () => false,
      );
      if (!stopped) {
        try {
          process.kill(-server.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await within(server.exited, 5_000, () => '').catch(() => undefined);
      }
    }
    // A postmaster that outlived its server still names itself here.
    if (dataDir) {
      await stopOrphanPostmaster(join(dataDir, 'postgres'));
    }
    if (workDir) {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  it('starts an embedded PostgreSQL under DATA_DIR, migrates it and reports healthy', async () => {
    const server = startServer(environment());

    const health = await waitForHealth(server, httpPort);

    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
    });
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    await withDatabase(databaseUrl, async (client) => {
      const tables = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables
          WHERE table_schema = 'public'
            AND table_name IN ('wallets', 'wallet_transactions')
          ORDER BY table_name`,
      );
      expect(tables.rows.map((row) => row.table_name)).toEqual([
        'wallet_transactions',
        'wallets',
      ]);
      migrationsAfterFirstStart = await migrationCount(client);
      expect(migrationsAfterFirstStart).toBeGreaterThan(0);

      // A credit of 500 coins, as the ledger records one.
      const profile = await client.query<{ id: string }>(
        `INSERT INTO profiles (username, email)
         VALUES ('zero-config', 'zero-config@example.test') RETURNING id`,
      );
      const wallet = await client.query<{ id: string }>(
        `INSERT INTO wallets (profile_id, cached_balance)
         VALUES ($1, 500) RETURNING id`,
        [profile.rows[0].id],
      );
      walletId = wallet.rows[0].id;
      await client.query(
        `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
         VALUES ($1, 500, 500, 'MANUAL_ADJUST')`,
        [walletId],
      );
    });
  });

  it('stops on SIGTERM and takes its PostgreSQL down with it', async () => {
    const server = started[0];
    expect(server).toBeDefined();
    expect(isRunning(server)).toBe(true);

    const exit = await stopServer(server);

    expect(exit).toEqual({ code: 0, signal: null });
    await expect(
      withDatabase(databaseUrl, (client) => client.query('SELECT 1')),
    ).rejects.toThrow();
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('starts again on the same DATA_DIR with the coins and schema intact', async () => {
    expect(walletId).toBeDefined();
    const server = startServer(environment());

    const health = await waitForHealth(server, httpPort);

    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
    });
    expect(server.output()).not.toContain('initialising embedded PostgreSQL');
    await withDatabase(databaseUrl, async (client) => {
      const wallet = await client.query<{ cached_balance: string }>(
        'SELECT cached_balance FROM wallets WHERE id = $1',
        [walletId],
      );
      expect(wallet.rows).toEqual([{ cached_balance: '500' }]);
      const ledger = await client.query<{ total: string | null }>(
        'SELECT sum(amount) AS total FROM wallet_transactions WHERE wallet_id = $1',
        [walletId],
      );
      expect(ledger.rows[0].total).toBe('500');
      expect(await migrationCount(client)).toBe(migrationsAfterFirstStart);
    });

    // The admin console finds the running cluster and signs with the secret
    // the server generated in DATA_DIR; the server accepts the token.
    const [{ profile_id: profileId }] = (
      await withDatabase(databaseUrl, (client) =>
        client.query<{ profile_id: string }>(
          'SELECT profile_id FROM wallets WHERE id = $1',
          [walletId],
        ),
      )
    ).rows;
    const token = await runCli(
      ['token', '--profile', profileId, '--role', 'player'],
      { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(postgresPort) },
    );
    expect(token.code).toBe(0);
    const wallet = await fetch(
      `http://127.0.0.1:${httpPort}/wallets/${profileId}`,
      {
        headers: { Authorization: `Bearer ${token.stdout.trim()}` },
      },
    );
    expect(wallet.status).toBe(200);
    expect(await wallet.json()).toMatchObject({ balance: 500 });

    const exit = await stopServer(server);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('refuses a bad configuration value, naming it, before starting anything', async () => {
    const badDataDir = join(workDir, 'bad-config');
    const badPostgresPort = await freePort();
    const server = startServer({
      DATA_DIR: badDataDir,
      PORT: 'notaport',
      EMBEDDED_POSTGRES_PORT: String(badPostgresPort),
    });

    const exit = await within(
      server.exited,
      30_000,
      () => `still running 30 s after a bad PORT:\n${server.output()}`,
    );

    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(server.output()).toMatch(/\bPORT\b/);
    expect(existsSync(badDataDir)).toBe(false);
    await expect(
      withDatabase(
        `postgres://postgres:postgres@127.0.0.1:${badPostgresPort}/postgres`,
        (client) => client.query('SELECT 1'),
      ),
    ).rejects.toThrow();
  });
});
