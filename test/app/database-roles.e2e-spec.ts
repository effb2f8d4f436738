// The server on a PostgreSQL of one's own (DATABASE_URL), as a real child
// process: the schema owner migrates (DATABASE_MIGRATION_URL), the service
// serves as its own role; given one URL whose role could alter the ledger, it
// still starts, and says so.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/free-port';
import {
  startServer,
  stopServer,
  stopStartedServers,
  waitForHealth,
  withDatabase,
} from '../support/server-process';
import {
  createTestDatabase,
  type TestDatabase,
} from '../support/test-database';

jest.setTimeout(120_000);

const WARNING = /can alter the ledger's tables .*README, Database roles/;
const MIGRATIONS = readdirSync(join(__dirname, '..', '..', 'migrations'));

describe('the server on DATABASE_URL', () => {
  let database: TestDatabase;
  let port: number;

  const serve = (urls: Record<string, string>) =>
    startServer({
      ...urls,
      PORT: String(port),
      JWT_SECRET: 'roles-'.padEnd(40, 'r'),
    });

  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    port = await freePort();
  });
  afterAll(async () => {
    await stopStartedServers();
    await database.drop();
  });

  it("migrates as DATABASE_MIGRATION_URL's role and serves as DATABASE_URL's, warning of nothing", async () => {
    const server = serve({
      DATABASE_URL: database.url,
      DATABASE_MIGRATION_URL: database.ownerUrl,
    });

    expect((await waitForHealth(server, port)).status).toBe(200);

    await withDatabase(database.ownerUrl, async (client) => {
      const migrations = await client.query(
        'SELECT name FROM schema_migrations',
      );
      expect(migrations.rowCount).toBe(MIGRATIONS.length);
      const owners = await client.query<{ role: string }>(
        `SELECT DISTINCT tableowner AS role FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(owners.rows).toEqual([
        { role: new URL(database.ownerUrl).username },
      ]);
      const sessions = await client.query<{ role: string }>(
        `SELECT DISTINCT usename AS role FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND backend_type = 'client backend'`,
      );
      expect(sessions.rows).toEqual([{ role: new URL(database.url).username }]);
    });
    expect(await stopServer(server)).toEqual({ code: 0, signal: null });
    expect(server.output()).not.toMatch(WARNING);
  });

  it("warns, pointing to the role setup, when DATABASE_URL's role owns the ledger", async () => {
    const server = serve({ DATABASE_URL: database.ownerUrl });

    expect((await waitForHealth(server, port)).status).toBe(200);

    expect(server.output()).toMatch(WARNING);
    expect(await stopServer(server)).toEqual({ code: 0, signal: null });
  });
});
