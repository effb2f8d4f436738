import { Client } from 'pg';

/**
 * A session of its own with a transaction open, holding row locks as
 * another transaction (an operator's, another instance's) would, until it
 * is released.
 */
export interface RowLocker {
  wallet(profileId: number): Promise<void>;
  item(itemId: number): Promise<void>;
  /** A purchase of the profile under the (scoped) key, inserted, not committed. */
  purchaseKey(profileId: number, key: string): Promise<void>;
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
    purchaseKey: (profileId, key) =>
      run(
        `WITH hold AS (
           INSERT INTO holds (wallet_id, amount, reason, expires_at)
           SELECT id, 1, 'PURCHASE', now() + interval '1 hour'
             FROM wallets WHERE profile_id = $1
           RETURNING id, expires_at
         )
         INSERT INTO purchases (profile_id, total, hold_id, expires_at,
                                idempotency_key, client_idempotency_key,
                                request_fingerprint)
         SELECT $1, 1, hold.id, hold.expires_at, $2, 'held', 'held' FROM hold`,
        [profileId, key],
      ),
    release: () => run('ROLLBACK'),
    close: () => client.end(),
  };
}
