import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tournaments, registrations and the payout record. Stand-ins for the
 * platform's tournament module, with the rules payouts rely on held by
 * PostgreSQL: one registration per profile per tournament, a placement only
 * for a verified registration, one WINNER and one RUNNER_UP per tournament
 * (at most two TOP4, checked by a trigger), and one prize transaction per
 * (registration, placement), append-only.
 */
export class PayoutCore1764080000000 implements MigrationInterface {
  name = 'PayoutCore1764080000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tournaments (
        id bigint GENERATED ALWAYS AS IDENTITY,
        name text NOT NULL,
        status text NOT NULL DEFAULT 'OPEN',
        participation_coins bigint NOT NULL DEFAULT 0,
        winner_coins bigint NOT NULL DEFAULT 0,
        runner_up_coins bigint NOT NULL DEFAULT 0,
        top4_coins bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT tournaments_pkey PRIMARY KEY (id),
        CONSTRAINT tournaments_name_check CHECK (length(name) BETWEEN 1 AND 200),
        CONSTRAINT tournaments_status_check CHECK (status IN ('DRAFT', 'OPEN', 'COMPLETED')),
        CONSTRAINT tournaments_coins_check CHECK (
          participation_coins BETWEEN 0 AND 9007199254740991
          AND winner_coins BETWEEN 0 AND 9007199254740991
          AND runner_up_coins BETWEEN 0 AND 9007199254740991
          AND top4_coins BETWEEN 0 AND 9007199254740991)
      )`);
    await queryRunner.query(`
      CREATE TABLE registrations (
        id bigint GENERATED ALWAYS AS IDENTITY,
        tournament_id bigint NOT NULL,
        profile_id bigint NOT NULL,
        status text NOT NULL DEFAULT 'PENDING',
        payment_verified_at timestamptz,
        placement text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT registrations_pkey PRIMARY KEY (id),
        CONSTRAINT registrations_tournament_id_fkey FOREIGN KEY (tournament_id)
          REFERENCES tournaments (id) ON DELETE RESTRICT,
        CONSTRAINT registrations_profile_id_fkey FOREIGN KEY (profile_id)
          REFERENCES profiles (id) ON DELETE RESTRICT,
        CONSTRAINT registrations_tournament_profile_key UNIQUE (tournament_id, profile_id),
        CONSTRAINT registrations_status_check
          CHECK (status IN ('PENDING', 'VERIFIED', 'CANCELLED')),
        CONSTRAINT registrations_verified_check
          CHECK ((status = 'VERIFIED') = (payment_verified_at IS NOT NULL)),
        CONSTRAINT registrations_placement_check
          CHECK (placement IS NULL OR (placement IN ('WINNER', 'RUNNER_UP', 'TOP4') AND status = 'VERIFIED'))
      )`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX registrations_single_winner_idx
        ON registrations (tournament_id) WHERE placement = 'WINNER'`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX registrations_single_runner_up_idx
        ON registrations (tournament_id) WHERE placement = 'RUNNER_UP'`);
    await queryRunner.query(`
      CREATE INDEX registrations_verified_idx
        ON registrations (id) WHERE status = 'VERIFIED'`);
    await queryRunner.query(`
      CREATE FUNCTION check_top4_limit() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT count(*) FROM registrations
             WHERE tournament_id = NEW.tournament_id AND placement = 'TOP4') > 2 THEN
          RAISE EXCEPTION 'tournament % has more than two TOP4 placements', NEW.tournament_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'registrations_top4_limit';
        END IF;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER registrations_top4_limit
        AFTER INSERT OR UPDATE OF placement ON registrations
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.placement = 'TOP4')
        EXECUTE FUNCTION check_top4_limit()`);
    await queryRunner.query(`
      CREATE TABLE prize_transactions (
        id bigint GENERATED ALWAYS AS IDENTITY,
        tournament_id bigint NOT NULL,
        registration_id bigint NOT NULL,
        placement text NOT NULL,
        coins bigint NOT NULL,
        wallet_transaction_id bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT prize_transactions_pkey PRIMARY KEY (id),
        CONSTRAINT prize_transactions_tournament_id_fkey FOREIGN KEY (tournament_id)
          REFERENCES tournaments (id) ON DELETE RESTRICT,
        CONSTRAINT prize_transactions_registration_id_fkey FOREIGN KEY (registration_id)
          REFERENCES registrations (id) ON DELETE RESTRICT,
        CONSTRAINT prize_transactions_wallet_transaction_id_fkey FOREIGN KEY (wallet_transaction_id)
          REFERENCES wallet_transactions (id) ON DELETE RESTRICT,
        CONSTRAINT prize_transactions_registration_placement_key UNIQUE (registration_id, placement),
        CONSTRAINT prize_transactions_wallet_transaction_id_key UNIQUE (wallet_transaction_id),
        CONSTRAINT prize_transactions_placement_check
          CHECK (placement IN ('PARTICIPATION', 'WINNER', 'RUNNER_UP', 'TOP4')),
        CONSTRAINT prize_transactions_coins_check CHECK (coins > 0)
      )`);
    await queryRunner.query(`
      CREATE INDEX prize_transactions_tournament_id_idx ON prize_transactions (tournament_id, id)`);
    await queryRunner.query(`
      CREATE TRIGGER prize_transactions_immutable
        BEFORE UPDATE OR DELETE ON prize_transactions
        FOR EACH ROW EXECUTE FUNCTION reject_immutable_change()`);
    await queryRunner.query(`
      CREATE TRIGGER prize_transactions_no_truncate
        BEFORE TRUNCATE ON prize_transactions
        FOR EACH STATEMENT EXECUTE FUNCTION reject_immutable_change()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE prize_transactions`);
    await queryRunner.query(`DROP TABLE registrations`);
    await queryRunner.query(`DROP FUNCTION check_top4_limit()`);
    await queryRunner.query(`DROP TABLE tournaments`);
  }
}
