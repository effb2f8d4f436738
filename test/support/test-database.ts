import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { runMigrations } from '../../src/database/run-migrations';

export interface TestDatabase {
  /**
   * The service's login, a member of deltacrown_app: what the code under
   * test uses, so the suite proves the migrations grant it enough.
   */
  url: string;
  /** The owner's login, which created and migrated the database. */
  ownerUrl: string;
  /**
   * `work` on a connection of the owner's: for tests that alter the schema
   * or break an invariant on purpose, which the service's role may not.
   */
  asOwner<T>(work: (owner: DataSource) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

/** A fresh database, every migration applied unless told otherwise. */
export async function createTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const serverUrl = process.env.ECONOMY_TEST_SERVER_URL;
  const serviceUrl = process.env.ECONOMY_TEST_SERVICE_URL;
  if (!serverUrl || !serviceUrl) {
    throw new Error(
      'ECONOMY_TEST_SERVER_URL is unset: run the tests through jest',
    );
  }
  const name = `economy_test_${randomBytes(6).toString('hex')}`;
  await queryOn(serverUrl, `CREATE DATABASE ${name}`);
  const ownerUrl = inDatabase(serverUrl, name);
  if (options.migrate ?? true) {
    await runMigrations(ownerUrl);
  }
  return {
    url: inDatabase(serviceUrl, name),
    ownerUrl,
    asOwner: async (work) => {
      const owner = new DataSource({
        type: 'postgres',
        url: ownerUrl,
        extra: { max: 1 },
      });
      await owner.initialize();
      try {
        return await work(owner);
      } finally {
        await owner.destroy();
      }
    },
    drop: async () => {
      await queryOn(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

function inDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function queryOn(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
