import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The DeltaCoin shop: an item catalog, and purchases that hold their total
 * (a hold of the economy) and reserve their stock in one transaction, then
 * complete (the hold captured), or are cancelled, expire, or are refunded
 * (coins and stock back). A purchase moves only forward: PENDING to
 * COMPLETED, CANCELLED or EXPIRED; COMPLETED to REFUNDED; a trigger refuses
 * any other change, and its lines never change.
 */
export class Shop1764102000000 implements MigrationInterface {
  name = 'Shop1764102000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE shop_items (
        id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT shop_items_pkey PRIMARY KEY,
        sku text NOT NULL CONSTRAINT shop_items_sku_key UNIQUE,
        name text NOT NULL,
        price bigint NOT NULL,
        stock integer,
        per_profile_limit integer,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT shop_items_sku_check CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
        CONSTRAINT shop_items_name_check CHECK (length(name) BETWEEN 1 AND 200),
        CONSTRAINT shop_items_price_check CHECK (price BETWEEN 1 AND 9007199254740991),
        CONSTRAINT shop_items_stock_check CHECK (stock >= 0),
        CONSTRAINT shop_items_per_profile_limit_check CHECK (per_profile_limit >= 1)
      )`);
    await queryRunner.query(`
      CREATE TABLE purchases (
        id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT purchases_pkey PRIMARY KEY,
        profile_id bigint NOT NULL
          CONSTRAINT purchases_profile_id_fkey REFERENCES profiles (id) ON DELETE RESTRICT,
        status text NOT NULL DEFAULT 'PENDING',
        total bigint NOT NULL,
        hold_id bigint NOT NULL
          CONSTRAINT purchases_hold_id_fkey REFERENCES holds (id) ON DELETE RESTRICT
          CONSTRAINT purchases_hold_id_key UNIQUE,
        expires_at timestamptz NOT NULL,
        transaction_id bigint
          CONSTRAINT purchases_transaction_id_fkey REFERENCES wallet_transactions (id) ON DELETE RESTRICT,
        refund_transaction_id bigint
          CONSTRAINT purchases_refund_transaction_id_fkey REFERENCES wallet_transactions (id) ON DELETE RESTRICT,
        idempotency_key text COLLATE "C" NOT NULL CONSTRAINT purchases_idempotency_key_key UNIQUE,
        client_idempotency_key text NOT NULL,
        request_fingerprint text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT purchases_status_check
          CHECK (status IN ('PENDING', 'COMPLETED', 'CANCELLED', 'EXPIRED', 'REFUNDED')),
        CONSTRAINT purchases_total_check CHECK (total BETWEEN 1 AND 9007199254740991),
        CONSTRAINT purchases_transaction_check
          CHECK ((status IN ('COMPLETED', 'REFUNDED')) = (transaction_id IS NOT NULL)),
        CONSTRAINT purchases_refund_check
          CHECK ((status = 'REFUNDED') = (refund_transaction_id IS NOT NULL))
      )`);
    await queryRunner.query(`
      CREATE INDEX purchases_profile_id_id_idx ON purchases (profile_id, id)`);
    await queryRunner.query(`
      CREATE INDEX purchases_pending_expiry_idx ON purchases (expires_at, id)
        WHERE status = 'PENDING'`);
    await queryRunner.query(`
      CREATE TABLE purchase_lines (
        purchase_id bigint NOT NULL
          CONSTRAINT purchase_lines_purchase_id_fkey REFERENCES purchases (id) ON DELETE RESTRICT,
        item_id bigint NOT NULL
          CONSTRAINT purchase_lines_item_id_fkey REFERENCES shop_items (id) ON DELETE RESTRICT,
        quantity integer NOT NULL,
        unit_price bigint NOT NULL,
        -- Whether checkout took the quantity from the item's stock: only
        -- that is given back (an item may be counted since, or no longer).
        stock_taken boolean NOT NULL,
        CONSTRAINT purchase_lines_pkey PRIMARY KEY (purchase_id, item_id),
        CONSTRAINT purchase_lines_quantity_check CHECK (quantity BETWEEN 1 AND 10000),
        CONSTRAINT purchase_lines_unit_price_check CHECK (unit_price BETWEEN 1 AND 9007199254740991)
      )`);
    await queryRunner.query(`
      CREATE INDEX purchase_lines_item_id_idx ON purchase_lines (item_id)`);
    await queryRunner.query(`
      CREATE FUNCTION check_purchase_transition() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status IS DISTINCT FROM OLD.status
           AND NOT ((OLD.status = 'PENDING' AND NEW.status IN ('COMPLETED', 'CANCELLED', 'EXPIRED'))
                 OR (OLD.status = 'COMPLETED' AND NEW.status = 'REFUNDED')) THEN
          RAISE EXCEPTION 'purchase % is %: it cannot become %', OLD.id, lower(OLD.status), lower(NEW.status)
            USING ERRCODE = 'restrict_violation';
        END IF;
        IF (NEW.profile_id, NEW.total, NEW.hold_id, NEW.expires_at, NEW.idempotency_key,
            NEW.client_idempotency_key, NEW.request_fingerprint, NEW.created_at)
           IS DISTINCT FROM
           (OLD.profile_id, OLD.total, OLD.hold_id, OLD.expires_at, OLD.idempotency_key,
            OLD.client_idempotency_key, OLD.request_fingerprint, OLD.created_at) THEN
          RAISE EXCEPTION 'purchase %: what it buys is fixed', OLD.id
            USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER purchases_forward_only
        BEFORE UPDATE ON purchases
        FOR EACH ROW EXECUTE FUNCTION check_purchase_transition()`);
    for (const table of ['purchases', 'purchase_lines']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_no_delete
          BEFORE DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION reject_immutable_change()`);
      await queryRunner.query(`
        CREATE TRIGGER ${table}_no_truncate
          BEFORE TRUNCATE ON ${table}
          FOR EACH STATEMENT EXECUTE FUNCTION reject_immutable_change()`);
    }
    await queryRunner.query(`
      CREATE TRIGGER purchase_lines_immutable
        BEFORE UPDATE ON purchase_lines
        FOR EACH ROW EXECUTE FUNCTION reject_immutable_change()`);
    await queryRunner.query(
      'GRANT SELECT, INSERT, UPDATE ON TABLE shop_items, purchases TO deltacrown_app',
    );
    await queryRunner.query(
      'GRANT SELECT, INSERT ON TABLE purchase_lines TO deltacrown_app',
    );
    // A purchase draws its id before its hold, whose meta names it.
    await queryRunner.query(
      'GRANT USAGE ON SEQUENCE purchases_id_seq TO deltacrown_app',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE purchase_lines');
    await queryRunner.query('DROP TABLE purchases');
    await queryRunner.query('DROP FUNCTION check_purchase_transition()');
    await queryRunner.query('DROP TABLE shop_items');
  }
}
