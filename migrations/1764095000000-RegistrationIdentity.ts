import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payout keys name a registration's wallet (through its profile) and its
 * tournament, and a completed tournament's placements were paid under keys
 * that name them: changing any of these would let a re-run pay the same prize
 * again under a new key. A registration's tournament and profile never
 * change, and neither do placements once the tournament is completed.
 */
export class RegistrationIdentity1764095000000 implements MigrationInterface {
  name = 'RegistrationIdentity1764095000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TRIGGER registrations_identity_immutable
        BEFORE UPDATE OF tournament_id, profile_id ON registrations
        FOR EACH ROW
        WHEN (NEW.tournament_id IS DISTINCT FROM OLD.tournament_id
              OR NEW.profile_id IS DISTINCT FROM OLD.profile_id)
        EXECUTE FUNCTION reject_immutable_change()`);
    await queryRunner.query(`
      CREATE FUNCTION reject_final_placement_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT status FROM tournaments WHERE id = OLD.tournament_id) = 'COMPLETED' THEN
          RAISE EXCEPTION 'tournament % is completed: its placements are final', OLD.tournament_id
            USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER registrations_placement_final
        BEFORE UPDATE OF placement ON registrations
        FOR EACH ROW
        WHEN (NEW.placement IS DISTINCT FROM OLD.placement)
        EXECUTE FUNCTION reject_final_placement_change()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP TRIGGER registrations_placement_final ON registrations`,
    );
    await queryRunner.query(`DROP FUNCTION reject_final_placement_change()`);
    await queryRunner.query(
      `DROP TRIGGER registrations_identity_immutable ON registrations`,
    );
  }
}
