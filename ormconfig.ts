import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnvironment } from './src/config/environment';
import { openDatabaseServer } from './src/database/database-server';
import { dataSourceOptions } from './src/database/data-source-options';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:run`,
 * `migration:revert`): the same configuration as the server, embedded
 * PostgreSQL included when DATABASE_URL is unset, as the schema's owner.
 * The TypeORM CLI ends with process.exit: the embedded cluster is let go of
 * then, and stops unless another process (the server) still uses it.
 */
export const dataSource: Promise<DataSource> = (async () => {
  const environment = loadEnvironment();
  const server = await openDatabaseServer(environment);
  server.stopAtExit();
  return new DataSource(
    dataSourceOptions(server.migrationUrl, environment.DATABASE_POOL_SIZE),
  );
})();
