import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Holds: coins reserved now, settled later (a purchase's total, say). A
 * wallet's `held` total moves in the same statement as its holds, and what
 * may be spent is `cached_balance - held`: the overdraft CHECK now guards
 * that, so debits and transfers spend only what no hold reserves. A hold
 * ends exactly once (CAPTURED, RELEASED or EXPIRED) and never changes again;
 * only a capture writes a ledger row. Idempotency keys may now name a hold.
 */
export class Holds1764101000000 implements MigrationInterface {
  name = 'Holds1764101000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE wallets
        ADD COLUMN held bigint NOT NULL DEFAULT 0,
        ADD CONSTRAINT wallets_held_check
          CHECK (held BETWEEN 0 AND 9007199254740991),
        DROP CONSTRAINT wallets_overdraft_check,
        ADD CONSTRAINT wallets_overdraft_check
          CHECK (allow_overdraft OR cached_balance - held >= 0)`);
    await queryRunner.query(`
      ALTER TABLE idempotency_keys
        DROP CONSTRAINT idempotency_keys_operation_check,
        ADD CONSTRAINT idempotency_keys_operation_check
          CHECK (operation IN ('CREDIT', 'DEBIT', 'TRANSFER', 'HOLD'))`);
    await queryRunner.query(`
      CREATE TABLE holds (
        id bigint GENERATED ALWAYS AS IDENTITY
          CONSTRAINT holds_pkey PRIMARY KEY,
        wallet_id bigint NOT NULL
          CONSTRAINT holds_wallet_id_fkey REFERENCES wallets (id) ON DELETE RESTRICT,
        amount bigint NOT NULL,
        reason text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING',
        expires_at timestamptz NOT NULL,
        captured_amount bigint,
        transaction_id bigint
          CONSTRAINT holds_transaction_id_fkey REFERENCES wallet_transactions (id) ON DELETE RESTRICT
          CONSTRAINT holds_transaction_id_key UNIQUE,
        idempotency_key text COLLATE "C"
          CONSTRAINT holds_idempotency_key_fkey REFERENCES idempotency_keys (key) ON DELETE RESTRICT
          CONSTRAINT holds_idempotency_key_key UNIQUE,
        client_idempotency_key text,
        meta jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz,
        CONSTRAINT holds_amount_check CHECK (amount BETWEEN 1 AND 9007199254740991),
        CONSTRAINT holds_reason_check CHECK (reason IN ('MANUAL_ADJUST', 'PURCHASE')),
        CONSTRAINT holds_status_check
          CHECK (status IN ('PENDING', 'CAPTURED', 'RELEASED', 'EXPIRED')),
        CONSTRAINT holds_closed_check CHECK ((status = 'PENDING') = (closed_at IS NULL)),
        CONSTRAINT holds_capture_check CHECK (
          (status = 'CAPTURED') = (captured_amount IS NOT NULL)
          AND (captured_amount IS NULL) = (transaction_id IS NULL)
          AND (captured_amount IS NULL OR captured_amount BETWEEN 1 AND amount)),
        CONSTRAINT holds_client_idempotency_key_check
          CHECK (client_idempotency_key IS NULL OR idempotency_key IS NOT NULL)
      )`);
    await queryRunner.query(`
      CREATE INDEX holds_pending_expiry_idx ON holds (expires_at, id)
        WHERE status = 'PENDING'`);
    await queryRunner.query(`
      CREATE INDEX holds_wallet_id_idx ON holds (wallet_id)
        WHERE status = 'PENDING'`);
    await queryRunner.query(`
      CREATE FUNCTION reject_closed_hold_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'hold % is %: a closed hold never changes', OLD.id, lower(OLD.status)
          USING ERRCODE = 'restrict_violation';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER holds_closed_final
        BEFORE UPDATE ON holds
        FOR EACH ROW
        WHEN (OLD.status <> 'PENDING')
        EXECUTE FUNCTION reject_closed_hold_change()`);
    await queryRunner.query(`
      CREATE TRIGGER holds_identity_immutable
        BEFORE UPDATE OF wallet_id, amount, reason, expires_at, idempotency_key, meta ON holds
        FOR EACH ROW
        WHEN (NEW.wallet_id IS DISTINCT FROM OLD.wallet_id
              OR NEW.amount IS DISTINCT FROM OLD.amount
              OR NEW.reason IS DISTINCT FROM OLD.reason
              OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
              OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key
              OR NEW.meta IS DISTINCT FROM OLD.meta)
        EXECUTE FUNCTION reject_immutable_change()`);
    await queryRunner.query(`
      CREATE TRIGGER holds_no_delete
        BEFORE DELETE ON holds
        FOR EACH ROW EXECUTE FUNCTION reject_immutable_change()`);
    await queryRunner.query(`
      CREATE TRIGGER holds_no_truncate
        BEFORE TRUNCATE ON holds
        FOR EACH STATEMENT EXECUTE FUNCTION reject_immutable_change()`);
    await queryRunner.query(
      'GRANT SELECT, INSERT, UPDATE ON TABLE holds TO deltacrown_app',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE holds');
    await queryRunner.query('DROP FUNCTION reject_closed_hold_change()');
    await queryRunner.query(`
      ALTER TABLE idempotency_keys
        DROP CONSTRAINT idempotency_keys_operation_check,
        ADD CONSTRAINT idempotency_keys_operation_check
          CHECK (operation IN ('CREDIT', 'DEBIT', 'TRANSFER'))`);
    await queryRunner.query(`
      ALTER TABLE wallets
        DROP CONSTRAINT wallets_overdraft_check,
        ADD CONSTRAINT wallets_overdraft_check
          CHECK (allow_overdraft OR cached_balance >= 0),
        DROP CONSTRAINT wallets_held_check,
        DROP COLUMN held`);
  }
}
