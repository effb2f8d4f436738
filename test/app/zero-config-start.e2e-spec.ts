// What a new user gets from `npm start` with no configuration at all: the real
// entry point (src/main.ts) runs as a child process, starts an embedded
// PostgreSQL under DATA_DIR, applies the migrations as its superuser and
// serves GET /health as the application role; the coins it holds survive a
// stop (SIGTERM) and a second start.
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import { runCli } from '../support/cli-process';
import { freePort } from '../support/free-port';
import {
  isRunning,
  type ServerProcess,
  sleep,
  startServer,
  stopServer,
  stopStartedServers,
  waitForHealth,
  within,
  withDatabase,
} from '../support/server-process';

jest.setTimeout(120_000);

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
  let firstServer: ServerProcess;

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
  });

  /** A login to the server's database with a password generated in DATA_DIR. */
  const loginUrl = async (role: string, passwordFile: string) => {
    const password = await readFile(join(dataDir, passwordFile), 'utf8');
    return `postgres://${role}:${encodeURIComponent(password)}@127.0.0.1:${postgresPort}/deltacrown_economy`;
  };

  afterAll(async () => {
    await stopStartedServers();
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
    firstServer = server;

    const health = await waitForHealth(server, httpPort);

    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
    });
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    databaseUrl = await loginUrl('postgres', 'postgres-superuser-password');
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

  it('serves as the application role, which may not alter the ledger', async () => {
    expect(walletId).toBeDefined();
    // A request, so that the server's pool holds a session right now.
    expect((await waitForHealth(firstServer, httpPort)).status).toBe(200);
    const sessions = await withDatabase(databaseUrl, (client) =>
      client.query<{ role: string }>(
        `SELECT DISTINCT usename AS role FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND backend_type = 'client backend'`,
      ),
    );
    expect(sessions.rows).toEqual([{ role: 'deltacrown_app' }]);
    const application = await loginUrl(
      'deltacrown_app',
      'postgres-app-password',
    );
    for (const sql of [
      'ALTER TABLE wallet_transactions DISABLE TRIGGER wallet_transactions_immutable',
      'TRUNCATE wallet_transactions',
      'SET session_replication_role = replica',
    ]) {
      await expect(
        withDatabase(application, (client) => client.query(sql)),
      ).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('stops on SIGTERM and takes its PostgreSQL down with it', async () => {
    const server = firstServer;
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
