import { Client } from 'pg';

/**
 * A session of its own with a transaction open, holding row locks as
 * another transaction (an operator's, another instance's) would, until it
 * is released.
 */
export interface RowLocker {
  wallet(profileId: number): Promise<void>;
  item(itemId: number): Promise<void>;
  release(): Promise<void>;
  close(): Promise<void>;
}

export async function openRowLocker(url: string): Promise<RowLocker> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  const run = async (sql: string, params: unknown[] = []) => {
    await client.query(sql, params);
  };
  return {
    wallet: (profileId) =>
      run('SELECT 1 FROM wallets WHERE profile_id = $1 FOR UPDATE', [
        profileId,
      ]),
    item: (itemId) =>
      run('SELECT 1 FROM shop_items WHERE id = $1 FOR UPDATE', [itemId]),
    release: () => run('ROLLBACK'),
    close: () => client.end(),
  };
}
