import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { logIdleConnectionError } from '../../src/database/idle-connection-errors';
import { CapturingLogger } from '../support/capturing-logger';
import {
  createTestDatabase,
  type TestDatabase,
} from '../support/test-database';

describe('errors on idle pooled connections', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let logger: CapturingLogger;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection: exactly one idle connection to end.
    dataSource = new DataSource(dataSourceOptions(database.url, 1));
    await dataSource.initialize();
  });
  beforeEach(() => {
    logger = new CapturingLogger();
    Logger.overrideLogger(logger);
  });
  afterEach(() => {
    Logger.overrideLogger(false);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const poolLines = () =>
    logger.lines.filter((line) => line.context === 'DatabasePool');

  it('are a debug line when PostgreSQL ends the session, and the pool carries on', async () => {
    const warnings = jest.spyOn(console, 'warn');
    const printed = jest.spyOn(console, 'log');
    try {
      await dataSource.query('SELECT 1');
      const admin = new Client({ connectionString: database.ownerUrl });
      await admin.connect();
      try {
        // What the embedded server does to every session as Ctrl-C stops it.
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
      } finally {
        await admin.end();
      }
      const deadline = Date.now() + 5_000;
      while (poolLines().length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(poolLines()).toEqual([
        expect.objectContaining({
          level: 'debug',
          message: expect.stringContaining('(57P01: terminating connection'),
        }),
      ]);
      // TypeORM's own logger, which called it an error, said nothing.
      for (const spy of [warnings, printed]) {
        expect(spy.mock.calls.flat().join('\n')).not.toContain(
          'pool raised an error',
        );
      }
      expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      warnings.mockRestore();
      printed.mockRestore();
    }
  });

  it('are a warning for any other cause', () => {
    logIdleConnectionError(
      Object.assign(new Error('connection lost'), { code: '57P02' }),
    );
    logIdleConnectionError(new Error('read ECONNRESET'));
    expect(poolLines().map((line) => [line.level, line.message])).toEqual([
      ['warn', expect.stringContaining('(57P02: connection lost)')],
      ['warn', expect.stringContaining('(no SQLSTATE: read ECONNRESET)')],
    ]);
  });
});
