import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/**
 * Applies the pending migrations, each in its own transaction, on a
 * connection of their own as `url`'s role (the schema's owner; the service's
 * own role may not change the schema): the names of those applied.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const migrator = new DataSource(dataSourceOptions(url, 1));
  await migrator.initialize();
  try {
    const applied = await migrator.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await migrator.destroy();
  }
}
