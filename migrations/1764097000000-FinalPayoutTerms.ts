import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a payout pays is fixed before it is paid, so that re-running it finds
 * the same prizes. A tournament's prize coins are set when it is created (a
 * re-run under the same keys with other amounts would be refused as a
 * conflict, or pay a prize raised from 0 after the others). A completed
 * tournament stays completed: reopened, its placements could move and a
 * second WINNER be paid under a new key. And a registration cannot arrive in
 * a completed tournament already placed. The placement check now reads the
 * tournament FOR SHARE, so it cannot interleave with the completion itself
 * (which holds the tournament FOR UPDATE).
 */
export class FinalPayoutTerms1764097000000 implements MigrationInterface {
  name = 'FinalPayoutTerms1764097000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION reject_payout_term_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'tournament %: %', OLD.id, TG_ARGV[0]
          USING ERRCODE = 'restrict_violation';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER tournaments_prize_coins_fixed
        BEFORE UPDATE OF participation_coins, winner_coins, runner_up_coins, top4_coins
        ON tournaments
        FOR EACH ROW
        WHEN (NEW.participation_coins IS DISTINCT FROM OLD.participation_coins
              OR NEW.winner_coins IS DISTINCT FROM OLD.winner_coins
              OR NEW.runner_up_coins IS DISTINCT FROM OLD.runner_up_coins
              OR NEW.top4_coins IS DISTINCT FROM OLD.top4_coins)
        EXECUTE FUNCTION reject_payout_term_change('its prize coins are fixed when it is created')`);
    await queryRunner.query(`
      CREATE TRIGGER tournaments_completed_final
        BEFORE UPDATE OF status ON tournaments
        FOR EACH ROW
        WHEN (OLD.status = 'COMPLETED' AND NEW.status IS DISTINCT FROM 'COMPLETED')
        EXECUTE FUNCTION reject_payout_term_change('it is completed, and stays so')`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION reject_final_placement_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT status FROM tournaments WHERE id = NEW.tournament_id FOR SHARE) = 'COMPLETED' THEN
          RAISE EXCEPTION 'tournament % is completed: its placements are final', NEW.tournament_id
            USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER registrations_placed_on_insert
        BEFORE INSERT ON registrations
        FOR EACH ROW
        WHEN (NEW.placement IS NOT NULL)
        EXECUTE FUNCTION reject_final_placement_change()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP TRIGGER registrations_placed_on_insert ON registrations`,
    );
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION reject_final_placement_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT status FROM tournaments WHERE id = OLD.tournament_id) = 'COMPLETED' THEN
          RAISE EXCEPTION 'tournament % is completed: its placements are final', OLD.tournament_id
            USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(
      `DROP TRIGGER tournaments_completed_final ON tournaments`,
    );
    await queryRunner.query(
      `DROP TRIGGER tournaments_prize_coins_fixed ON tournaments`,
    );
    await queryRunner.query(`DROP FUNCTION reject_payout_term_change()`);
  }
}
