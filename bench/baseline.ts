import type { Pool } from 'pg';

/**
 * The raw-SQL baseline: one round trip per transfer to a minimal PL/pgSQL
 * function with the same locking (both wallets, ascending id), the same
 * checks (the wallets' CHECK constraints) and the same inserts as
 * WalletService.transfer. Installed in the benchmark's database only.
 */
const BASELINE_TRANSFER_FUNCTION = `
CREATE OR REPLACE FUNCTION bench_baseline_transfer(p_from bigint, p_to bigint, p_amount bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_transfer bigint := nextval('wallet_transfer_id_seq');
  v_from_balance bigint;
  v_to_balance bigint;
  v_debit_id bigint;
BEGIN
  PERFORM 1 FROM wallets WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE;
  UPDATE wallets SET cached_balance = cached_balance - p_amount, updated_at = now()
   WHERE id = p_from RETURNING cached_balance INTO v_from_balance;
  UPDATE wallets SET cached_balance = cached_balance + p_amount, updated_at = now()
   WHERE id = p_to RETURNING cached_balance INTO v_to_balance;
  INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, meta, transfer_id)
  VALUES (p_from, -p_amount, v_from_balance, 'TRANSFER_OUT', '{}', v_transfer)
  RETURNING id INTO v_debit_id;
  INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, meta, transfer_id)
  VALUES (p_to, p_amount, v_to_balance, 'TRANSFER_IN', '{}', v_transfer);
  RETURN v_debit_id;
END
$$`;

export function baselineTransfer(
  pool: Pool,
  fromWalletId: number,
  toWalletId: number,
  amount: number,
): Promise<unknown> {
  return pool.query('SELECT bench_baseline_transfer($1, $2, $3)', [
    fromWalletId,
    toWalletId,
    amount,
  ]);
}

/** The same for a credit: lock and update the wallet, insert one ledger row. */
const BASELINE_CREDIT_FUNCTION = `
CREATE OR REPLACE FUNCTION bench_baseline_credit(p_wallet bigint, p_amount bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_balance bigint;
  v_id bigint;
BEGIN
  UPDATE wallets SET cached_balance = cached_balance + p_amount, updated_at = now()
   WHERE id = p_wallet RETURNING cached_balance INTO v_balance;
  INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, meta)
  VALUES (p_wallet, p_amount, v_balance, 'PARTICIPATION', '{}')
  RETURNING id INTO v_id;
  RETURN v_id;
END
$$`;

/**
 * The limit batching can reach: TRANSFER_BATCH transfers in one call and one
 * commit, every wallet locked once in ascending id order, then each
 * transfer's updates and legs as bench_baseline_transfer writes them.
 */
const BASELINE_TRANSFER_BATCH_FUNCTION = `
CREATE OR REPLACE FUNCTION bench_baseline_transfer_batch(p_from bigint[], p_to bigint[], p_amount bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_transfer bigint;
  v_from_balance bigint;
  v_to_balance bigint;
BEGIN
  PERFORM 1 FROM wallets WHERE id = ANY (p_from || p_to) ORDER BY id FOR UPDATE;
  FOR k IN 1 .. cardinality(p_from) LOOP
    v_transfer := nextval('wallet_transfer_id_seq');
    UPDATE wallets SET cached_balance = cached_balance - p_amount, updated_at = now()
     WHERE id = p_from[k] RETURNING cached_balance INTO v_from_balance;
    UPDATE wallets SET cached_balance = cached_balance + p_amount, updated_at = now()
     WHERE id = p_to[k] RETURNING cached_balance INTO v_to_balance;
    INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, meta, transfer_id)
    VALUES (p_from[k], -p_amount, v_from_balance, 'TRANSFER_OUT', '{}', v_transfer);
    INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, meta, transfer_id)
    VALUES (p_to[k], p_amount, v_to_balance, 'TRANSFER_IN', '{}', v_transfer);
  END LOOP;
END
$$`;

/** Transfers one call of the batched baseline makes. */
export const TRANSFER_BATCH = 16;

export const BASELINE_FUNCTIONS = [
  BASELINE_TRANSFER_FUNCTION,
  BASELINE_CREDIT_FUNCTION,
  BASELINE_TRANSFER_BATCH_FUNCTION,
];

export function baselineTransferBatch(
  pool: Pool,
  pairs: (readonly [fromWalletId: number, toWalletId: number])[],
  amount: number,
): Promise<unknown> {
  return pool.query('SELECT bench_baseline_transfer_batch($1, $2, $3)', [
    pairs.map(([from]) => from),
    pairs.map(([, to]) => to),
    amount,
  ]);
}

export function baselineCredit(
  pool: Pool,
  walletId: number,
  amount: number,
): Promise<unknown> {
  return pool.query('SELECT bench_baseline_credit($1, $2)', [walletId, amount]);
}

/** A keyset history page read straight off the pool, rows left as pg parses them. */
export function baselineHistoryPage(
  pool: Pool,
  walletId: number,
  cursor: number,
  limit: number,
): Promise<unknown> {
  return pool.query({
    name: 'bench_baseline_history',
    text: `SELECT id, amount, balance_after, reason, created_at, idempotency_key, meta
             FROM wallet_transactions
            WHERE wallet_id = $1 AND id < $2
            ORDER BY id DESC LIMIT $3`,
    values: [walletId, cursor, limit],
  });
}
