import type { DataSource } from 'typeorm';

/** Direct reads of the ledger, to check what the services really wrote. */
export async function ledgerRowCount(
  dataSource: DataSource,
  walletIds: number[],
): Promise<number> {
  const [{ count }]: { count: string }[] = await dataSource.query(
    'SELECT count(*) FROM wallet_transactions WHERE wallet_id = ANY($1)',
    [walletIds],
  );
  return Number(count);
}

/** Prize records, narrowed by placement, tournament or registrations. */
export async function prizeCount(
  dataSource: DataSource,
  filter: {
    placement?: string;
    tournamentId?: number;
    registrationIds?: number[];
  } = {},
): Promise<number> {
  const [{ count }]: { count: string }[] = await dataSource.query(
    `SELECT count(*) FROM prize_transactions
      WHERE ($1::text IS NULL OR placement = $1)
        AND ($2::bigint IS NULL OR tournament_id = $2)
        AND ($3::bigint[] IS NULL OR registration_id = ANY($3))`,
    [
      filter.placement ?? null,
      filter.tournamentId ?? null,
      filter.registrationIds ?? null,
    ],
  );
  return Number(count);
}

export async function walletCount(dataSource: DataSource): Promise<number> {
  const [{ count }]: { count: string }[] = await dataSource.query(
    'SELECT count(*) FROM wallets',
  );
  return Number(count);
}

export async function idempotencyKeyCount(
  dataSource: DataSource,
): Promise<number> {
  const [{ count }]: { count: string }[] = await dataSource.query(
    'SELECT count(*) FROM idempotency_keys',
  );
  return Number(count);
}

export async function totalCoins(dataSource: DataSource): Promise<number> {
  const [{ total }]: { total: string }[] = await dataSource.query(
    'SELECT coalesce(sum(cached_balance), 0) AS total FROM wallets',
  );
  return Number(total);
}
