import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger core. Invariants live here, in PostgreSQL, so that no code path
 * (ORM, raw SQL, a psql session) can break them:
 * - a wallet without overdraft never goes below zero, and no balance leaves
 *   the range a JavaScript number holds exactly;
 * - ledger rows and idempotency keys are immutable, and wallets are never
 *   deleted (their ids are cached by the services);
 * - a ledger reason is one of `ledger_reasons`; the two legs of a transfer
 *   share a `transfer_id`, carry TRANSFER_OUT (negative) / TRANSFER_IN, and
 *   sum to zero at commit;
 * - a wallet's id and profile never change.
 */
export class LedgerCore1764072000000 implements MigrationInterface {
  name = 'LedgerCore1764072000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE profiles (
        id bigint GENERATED ALWAYS AS IDENTITY,
        username text NOT NULL,
        email text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT profiles_pkey PRIMARY KEY (id),
        CONSTRAINT profiles_username_key UNIQUE (username),
        CONSTRAINT profiles_email_key UNIQUE (email)
      )`);
    await queryRunner.query(`
      CREATE TABLE wallets (
        id bigint GENERATED ALWAYS AS IDENTITY,
        profile_id bigint NOT NULL,
        cached_balance bigint NOT NULL DEFAULT 0,
        allow_overdraft boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT wallets_pkey PRIMARY KEY (id),
        CONSTRAINT wallets_profile_id_key UNIQUE (profile_id),
        CONSTRAINT wallets_profile_id_fkey FOREIGN KEY (profile_id)
          REFERENCES profiles (id) ON DELETE RESTRICT,
        CONSTRAINT wallets_overdraft_check
          CHECK (allow_overdraft OR cached_balance >= 0),
        CONSTRAINT wallets_balance_safe_integer_check
          CHECK (cached_balance BETWEEN -9007199254740991 AND 9007199254740991)
      )`);
    await queryRunner.query(`
      CREATE TABLE ledger_reasons (
        code text NOT NULL,
        CONSTRAINT ledger_reasons_pkey PRIMARY KEY (code)
      )`);
    await queryRunner.query(`
      INSERT INTO ledger_reasons (code) VALUES
        ('PARTICIPATION'), ('WINNER'), ('RUNNER_UP'), ('TOP4'),
        ('TRANSFER_IN'), ('TRANSFER_OUT'), ('MANUAL_ADJUST'),
        ('PURCHASE'), ('REFUND')`);
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        key text NOT NULL,
        operation text NOT NULL,
        request jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT idempotency_keys_pkey PRIMARY KEY (key),
        CONSTRAINT idempotency_keys_operation_check
          CHECK (operation IN ('CREDIT', 'DEBIT', 'TRANSFER')),
        CONSTRAINT idempotency_keys_key_check
          CHECK (key ~ '^[\\x20-\\x7e]{1,255}$')
      )`);
    await queryRunner.query(`CREATE SEQUENCE wallet_transfer_id_seq AS bigint`);
    await queryRunner.query(`
      CREATE TABLE wallet_transactions (
        id bigint GENERATED ALWAYS AS IDENTITY,
        wallet_id bigint NOT NULL,
        amount bigint NOT NULL,
        balance_after bigint NOT NULL,
        reason text NOT NULL,
        idempotency_key text,
        meta jsonb NOT NULL DEFAULT '{}',
        transfer_id bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT wallet_transactions_pkey PRIMARY KEY (id),
        CONSTRAINT wallet_transactions_wallet_id_fkey FOREIGN KEY (wallet_id)
          REFERENCES wallets (id) ON DELETE RESTRICT,
        CONSTRAINT wallet_transactions_reason_fkey FOREIGN KEY (reason)
          REFERENCES ledger_reasons (code) ON DELETE RESTRICT,
        CONSTRAINT wallet_transactions_idempotency_key_fkey FOREIGN KEY (idempotency_key)
          REFERENCES idempotency_keys (key) ON DELETE RESTRICT,
        CONSTRAINT wallet_transactions_amount_check CHECK (amount <> 0),
        CONSTRAINT wallet_transactions_transfer_leg_check CHECK (
          (transfer_id IS NOT NULL) = (reason IN ('TRANSFER_IN', 'TRANSFER_OUT'))
          AND (transfer_id IS NULL OR (reason = 'TRANSFER_OUT') = (amount < 0))
        )
      )`);
    // History pages walk this index backwards; INCLUDE (amount) lets ledger
    // sums per wallet run as index-only scans.
    await queryRunner.query(`
      CREATE INDEX wallet_transactions_wallet_id_id_idx
        ON wallet_transactions (wallet_id, id) INCLUDE (amount)`);
    await queryRunner.query(`
      CREATE INDEX wallet_transactions_idempotency_key_idx
        ON wallet_transactions (idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await queryRunner.query(`
      CREATE INDEX wallet_transactions_transfer_id_idx
        ON wallet_transactions (transfer_id) WHERE transfer_id IS NOT NULL`);
    await queryRunner.query(`
      CREATE FUNCTION reject_immutable_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % is not allowed: its rows are permanent', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END
      $$`);
    for (const table of ['wallet_transactions', 'idempotency_keys']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_immutable
          BEFORE UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION reject_immutable_change()`);
      await queryRunner.query(`
        CREATE TRIGGER ${table}_no_truncate
          BEFORE TRUNCATE ON ${table}
          FOR EACH STATEMENT EXECUTE FUNCTION reject_immutable_change()`);
    }
    await queryRunner.query(`
      CREATE TRIGGER wallets_no_delete
        BEFORE DELETE ON wallets
        FOR EACH ROW EXECUTE FUNCTION reject_immutable_change()`);
    // A wallet's id and its profile are its identity: the services cache the
    // mapping, and the ledger points at the id.
    await queryRunner.query(`
      CREATE TRIGGER wallets_identity_immutable
        BEFORE UPDATE OF id, profile_id ON wallets
        FOR EACH ROW
        WHEN (NEW.id IS DISTINCT FROM OLD.id OR NEW.profile_id IS DISTINCT FROM OLD.profile_id)
        EXECUTE FUNCTION reject_immutable_change()`);
    // At commit, every transfer has exactly two legs that sum to zero,
    // whoever wrote them.
    await queryRunner.query(`
      CREATE FUNCTION check_transfer_balanced() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        legs bigint;
        total bigint;
      BEGIN
        SELECT count(*), coalesce(sum(amount), 0) INTO legs, total
          FROM wallet_transactions WHERE transfer_id = NEW.transfer_id;
        IF legs <> 2 OR total <> 0 THEN
          RAISE EXCEPTION 'transfer % has % legs summing to %', NEW.transfer_id, legs, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'wallet_transactions_transfer_balanced';
        END IF;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER wallet_transactions_transfer_balanced
        AFTER INSERT ON wallet_transactions
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW
        WHEN (NEW.transfer_id IS NOT NULL)
        EXECUTE FUNCTION check_transfer_balanced()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE wallet_transactions`);
    await queryRunner.query(`DROP SEQUENCE wallet_transfer_id_seq`);
    await queryRunner.query(`DROP TABLE idempotency_keys`);
    await queryRunner.query(`DROP TABLE ledger_reasons`);
    await queryRunner.query(`DROP TABLE wallets`);
    await queryRunner.query(`DROP TABLE profiles`);
    await queryRunner.query(`DROP FUNCTION reject_immutable_change()`);
    await queryRunner.query(`DROP FUNCTION check_transfer_balanced()`);
  }
}
