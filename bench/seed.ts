import type { Pool } from 'pg';

export interface SeededWallet {
  profileId: number;
  walletId: number;
}

/**
 * `count` profiles, each with a wallet credited `balance` through a ledger
 * row, so the seeded state satisfies every ledger invariant.
 */
export async function seedWallets(
  pool: Pool,
  count: number,
  balance: number,
  tag: string,
): Promise<SeededWallet[]> {
  const { rows } = await pool.query<{ profile_id: string; wallet_id: string }>(
    `WITH profiles_added AS (
       INSERT INTO profiles (username, email)
       SELECT 'bench-' || $3 || '-' || n, 'bench-' || $3 || '-' || n || '@example.test'
         FROM generate_series(1, $1::int) AS n
       RETURNING id
     ),
     wallets_added AS (
       INSERT INTO wallets (profile_id, cached_balance)
       SELECT id, $2::bigint FROM profiles_added ORDER BY id
       RETURNING id, profile_id
     ),
     credited AS (
       INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
       SELECT id, $2::bigint, $2::bigint, 'MANUAL_ADJUST' FROM wallets_added WHERE $2::bigint <> 0
     )
     SELECT profile_id, id AS wallet_id FROM wallets_added ORDER BY id`,
    [count, balance, tag],
  );
  return rows.map((row) => ({
    profileId: Number(row.profile_id),
    walletId: Number(row.wallet_id),
  }));
}

/** One wallet holding `depth` ledger rows of +1 each, chained correctly. */
export async function seedDeepHistory(
  pool: Pool,
  depth: number,
): Promise<SeededWallet> {
  const [wallet] = await seedWallets(pool, 1, 0, 'deep');
  // Seeded with a zero balance: replace that by `depth` credits of 1.
  await pool.query(
    `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
     SELECT $1::bigint, 1, n, 'PARTICIPATION' FROM generate_series(1, $2::int) AS n`,
    [wallet.walletId, depth],
  );
  await pool.query('UPDATE wallets SET cached_balance = $2 WHERE id = $1', [
    wallet.walletId,
    depth,
  ]);
  await pool.query('VACUUM ANALYZE wallet_transactions');
  return wallet;
}

/**
 * `wallets` profiles with a wallet each and `perWallet` credits of 1 per
 * wallet, chained correctly: the shape of a large, healthy ledger.
 */
export async function seedLargeLedger(
  pool: Pool,
  wallets: number,
  perWallet: number,
): Promise<void> {
  await pool.query(
    `INSERT INTO profiles (username, email)
     SELECT 'large-' || n, 'large-' || n || '@example.test'
       FROM generate_series(1, $1::int) AS n`,
    [wallets],
  );
  await pool.query(
    `INSERT INTO wallets (profile_id, cached_balance)
     SELECT id, $1::bigint FROM profiles ORDER BY id`,
    [perWallet],
  );
  await pool.query(
    `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
     SELECT w.id, 1, n, 'PARTICIPATION'
       FROM wallets w CROSS JOIN generate_series(1, $1::int) AS n
      ORDER BY w.id, n`,
    [perWallet],
  );
  await pool.query('VACUUM ANALYZE');
}

/**
 * A tournament with `players` verified registrations, none paid yet; with
 * `withWallets`, each player already holds an empty wallet.
 */
export async function seedVerifiedTournament(
  pool: Pool,
  players: number,
  participationCoins: number,
  tag: string,
  withWallets = false,
): Promise<number> {
  const {
    rows: [tournament],
  } = await pool.query<{ id: string }>(
    `INSERT INTO tournaments (name, participation_coins, winner_coins, runner_up_coins, top4_coins)
     VALUES ($1, $2, 500, 250, 100) RETURNING id`,
    [`bench ${tag}`, participationCoins],
  );
  await pool.query(
    `WITH players AS (
       INSERT INTO profiles (username, email)
       SELECT $3 || '-' || n, $3 || '-' || n || '@example.test'
         FROM generate_series(1, $2::int) AS n
       RETURNING id
     ),
     wallets_added AS (
       INSERT INTO wallets (profile_id)
       SELECT id FROM players WHERE $4 ORDER BY id
     )
     INSERT INTO registrations (tournament_id, profile_id, status, payment_verified_at)
     SELECT $1, id, 'VERIFIED', now() FROM players`,
    [tournament.id, players, `bench-${tag}`, withWallets],
  );
  return Number(tournament.id);
}
