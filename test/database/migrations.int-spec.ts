import { DataSource } from 'typeorm';
import { LEDGER_REASONS } from '../../src/economy/domain/ledger-reason';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { ECONOMY_ENTITIES } from '../../src/economy/entities';
import { PAYOUT_ENTITIES } from '../../src/payout/entities';
import { PROFILE_ENTITIES } from '../../src/profiles';
import {
  createTestDatabase,
  type TestDatabase,
} from '../support/test-database';

describe('migrations', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource(
      dataSourceOptions(database.ownerUrl, 2, [
        ...PROFILE_ENTITIES,
        ...ECONOMY_ENTITIES,
        ...PAYOUT_ENTITIES,
      ]),
    );
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('are matched by the entities: TypeORM finds nothing to change', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('have all run, and revert and re-apply cleanly', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
    for (let i = 0; i < dataSource.migrations.length; i++) {
      await dataSource.undoLastMigration();
    }
    const tables: { table_name: string }[] = await dataSource.query(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
    );
    expect(tables).toEqual([]);
    await dataSource.runMigrations();
    expect(await dataSource.showMigrations()).toBe(false);
    // The database accepts exactly the reasons the code knows.
    const [{ definition }]: { definition: string }[] = await dataSource.query(
      `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conname = 'wallet_transactions_reason_check'`,
    );
    const accepted = [...definition.matchAll(/'([A-Z0-9_]+)'/g)].map(
      ([, reason]) => reason,
    );
    expect(accepted.sort()).toEqual([...LEDGER_REASONS].sort());
  });
});
