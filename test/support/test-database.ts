import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database, every migration applied unless told otherwise. */
export async function createTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const serverUrl = process.env.ECONOMY_TEST_SERVER_URL;
  if (!serverUrl) {
    throw new Error(
      'ECONOMY_TEST_SERVER_URL is unset: run the tests through jest',
    );
  }
  const name = `economy_test_${randomBytes(6).toString('hex')}`;
  await runOnServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  if (options.migrate ?? true) {
    const migrator = new DataSource(dataSourceOptions(url.toString(), 1));
    await migrator.initialize();
    await migrator.runMigrations();
    await migrator.destroy();
  }
  return {
    url: url.toString(),
    drop: () =>
      runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function runOnServer(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
