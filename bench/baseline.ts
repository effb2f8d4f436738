import type { Pool } from 'pg';

/**
 * The raw-SQL baseline: one round trip per transfer to a minimal PL/pgSQL
 * function with the same locking (both wallets, ascending id), the same
 * checks (the wallets' CHECK constraints) and the same inserts as
 * WalletService.transfer. Installed in the benchmark's database only.
 */
export const BASELINE_TRANSFER_FUNCTION = `
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
