import type { MigrationInterface, QueryRunner } from 'typeorm';

const REASONS_BEFORE = `'PARTICIPATION', 'WINNER', 'RUNNER_UP', 'TOP4', 'TRANSFER_IN', 'TRANSFER_OUT', 'MANUAL_ADJUST', 'PURCHASE', 'REFUND'`;
const REASONS = `${REASONS_BEFORE}, 'PROMO'`;

const GRANTS: [privileges: string, objects: string][] = [
  ['SELECT, INSERT', 'TABLE promo_campaigns'],
  ['SELECT, INSERT, UPDATE', 'TABLE promo_campaign_slots'],
  ['SELECT, INSERT', 'TABLE promo_codes'],
  ['SELECT, INSERT', 'TABLE promo_redemptions'],
  ['SELECT, INSERT, DELETE', 'TABLE promo_refusals'],
];

/**
 * The one-statement redemption's helper as this migration created it (a
 * later migration drops it, and its `down` restores it).
 */
export const REDEMPTION_INCOMPLETE_FUNCTION = `
      CREATE FUNCTION promo_redemption_incomplete(stage text) RETURNS boolean
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the redemption could not be completed: %', stage
          USING ERRCODE = 'PR001', DETAIL = stage;
      END
      $$`;

/**
 * Promo codes: campaigns that grant coins (ledger reason PROMO). A code is
 * kept as its keyed digest (HMAC-SHA-256 under the server's promo secret),
 * never as text, so a dump of the database hands out no coins. A profile
 * redeems a campaign once (unique campaign and profile); a single-use code
 * is spent by its first redemption (unique digest among single-use
 * redemptions); a campaign's count lives in slots whose quotas sum to
 * `max_redemptions` (CHECKs besides the conditional increment). Refused redemptions are counted per profile,
 * in PostgreSQL, so every instance of the service applies one guessing
 * limit.
 */
export class Promo1764104000000 implements MigrationInterface {
  name = 'Promo1764104000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE wallet_transactions
        DROP CONSTRAINT wallet_transactions_reason_check,
        ADD CONSTRAINT wallet_transactions_reason_check CHECK (reason IN (${REASONS}))`);
    await queryRunner.query(`
      CREATE TABLE promo_campaigns (
        id bigint GENERATED ALWAYS AS IDENTITY
          CONSTRAINT promo_campaigns_pkey PRIMARY KEY,
        name text NOT NULL
          CONSTRAINT promo_campaigns_name_check CHECK (length(name) BETWEEN 1 AND 200),
        coins bigint NOT NULL
          CONSTRAINT promo_campaigns_coins_check CHECK (coins BETWEEN 1 AND 9007199254740991),
        max_redemptions bigint
          CONSTRAINT promo_campaigns_max_check CHECK (max_redemptions BETWEEN 1 AND 9007199254740991),
        starts_at timestamptz,
        ends_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT promo_campaigns_window_check
          CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
      )`);
    // A campaign's count in slots (up to 16), each with its share of the
    // limit: redemptions spread over the slots' rows instead of queueing on
    // one, and no slot passes its quota, so the campaign never passes its
    // limit (the quotas sum to it).
    await queryRunner.query(`
      CREATE TABLE promo_campaign_slots (
        campaign_id bigint NOT NULL
          CONSTRAINT promo_campaign_slots_campaign_id_fkey REFERENCES promo_campaigns (id) ON DELETE RESTRICT,
        slot smallint NOT NULL CONSTRAINT promo_campaign_slots_slot_check CHECK (slot BETWEEN 0 AND 15),
        quota bigint,
        redeemed bigint NOT NULL DEFAULT 0,
        CONSTRAINT promo_campaign_slots_pkey PRIMARY KEY (campaign_id, slot),
        CONSTRAINT promo_campaign_slots_redeemed_check
          CHECK (redeemed >= 0 AND (quota IS NULL OR redeemed <= quota))
      )`);
    await queryRunner.query(`
      CREATE TABLE promo_codes (
        digest bytea NOT NULL CONSTRAINT promo_codes_pkey PRIMARY KEY,
        campaign_id bigint NOT NULL
          CONSTRAINT promo_codes_campaign_id_fkey REFERENCES promo_campaigns (id) ON DELETE RESTRICT,
        single_use boolean NOT NULL,
        CONSTRAINT promo_codes_digest_check CHECK (length(digest) = 32)
      )`);
    await queryRunner.query(
      'CREATE INDEX promo_codes_campaign_id_idx ON promo_codes (campaign_id)',
    );
    await queryRunner.query(`
      CREATE TABLE promo_redemptions (
        id bigint GENERATED ALWAYS AS IDENTITY
          CONSTRAINT promo_redemptions_pkey PRIMARY KEY,
        campaign_id bigint NOT NULL,
        profile_id bigint NOT NULL
          CONSTRAINT promo_redemptions_profile_id_fkey REFERENCES profiles (id) ON DELETE RESTRICT,
        code_digest bytea NOT NULL,
        single_use boolean NOT NULL,
        coins bigint NOT NULL,
        -- The caller's key; the ledger row is found by its own key,
        -- promo:<campaign>:<profile>.
        idempotency_key text COLLATE "C"
          CONSTRAINT promo_redemptions_idempotency_key_key UNIQUE,
        request_fingerprint text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT promo_redemptions_once UNIQUE (campaign_id, profile_id)
      )`);
    // A redemption names its campaign and code without foreign keys: their
    // checks would share-lock the one campaign row and the one shared code
    // row from every redemption in flight (a MultiXact each). Campaigns and
    // codes are never deleted instead: the service may not, and a trigger
    // refuses it to anyone.
    for (const table of ['promo_campaigns', 'promo_codes']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_no_delete
          BEFORE DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION reject_immutable_change()`);
    }
    await queryRunner.query(`
      CREATE UNIQUE INDEX promo_redemptions_single_use_code
        ON promo_redemptions (code_digest) WHERE single_use`);
    await queryRunner.query(`
      CREATE TABLE promo_refusals (
        profile_id bigint NOT NULL,
        refused_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      'CREATE INDEX promo_refusals_profile_idx ON promo_refusals (profile_id, refused_at)',
    );
    // A redemption is one statement (PromoRepository): this ends it, and
    // everything it wrote, when its credit or its count could not be made.
    await queryRunner.query(REDEMPTION_INCOMPLETE_FUNCTION);
    for (const [privileges, objects] of GRANTS) {
      await queryRunner.query(
        `GRANT ${privileges} ON ${objects} TO deltacrown_app`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION promo_redemption_incomplete(text)');
    for (const table of [
      'promo_refusals',
      'promo_redemptions',
      'promo_codes',
      'promo_campaign_slots',
      'promo_campaigns',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
    await queryRunner.query(`
      ALTER TABLE wallet_transactions
        DROP CONSTRAINT wallet_transactions_reason_check,
        ADD CONSTRAINT wallet_transactions_reason_check CHECK (reason IN (${REASONS_BEFORE}))`);
  }
}
