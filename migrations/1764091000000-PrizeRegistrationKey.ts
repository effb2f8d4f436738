import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A prize points at its registration and that registration's tournament
 * through one composite foreign key: a prize can no longer name a tournament
 * other than its registration's, and each prize written costs one
 * referential check fewer.
 */
export class PrizeRegistrationKey1764091000000 implements MigrationInterface {
  name = 'PrizeRegistrationKey1764091000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE registrations
        ADD CONSTRAINT registrations_id_tournament_id_key UNIQUE (id, tournament_id)`);
    await queryRunner.query(`
      ALTER TABLE prize_transactions
        DROP CONSTRAINT prize_transactions_tournament_id_fkey,
        DROP CONSTRAINT prize_transactions_registration_id_fkey,
        ADD CONSTRAINT prize_transactions_registration_fkey
          FOREIGN KEY (registration_id, tournament_id)
          REFERENCES registrations (id, tournament_id) ON DELETE RESTRICT`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE prize_transactions
        DROP CONSTRAINT prize_transactions_registration_fkey,
        ADD CONSTRAINT prize_transactions_tournament_id_fkey FOREIGN KEY (tournament_id)
          REFERENCES tournaments (id) ON DELETE RESTRICT,
        ADD CONSTRAINT prize_transactions_registration_id_fkey FOREIGN KEY (registration_id)
          REFERENCES registrations (id) ON DELETE RESTRICT`);
    await queryRunner.query(`
      ALTER TABLE registrations DROP CONSTRAINT registrations_id_tournament_id_key`);
  }
}
