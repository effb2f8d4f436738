import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Prizes are listed by tournament for placements only (GET payouts); the
 * participation prizes, nearly every row, are found by registration. The
 * tournament index now holds placement prizes alone, and a backfill no longer
 * maintains it for every participation it pays.
 */
export class PlacementPrizeIndex1764094000000 implements MigrationInterface {
  name = 'PlacementPrizeIndex1764094000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX prize_transactions_tournament_id_idx`);
    await queryRunner.query(`
      CREATE INDEX prize_transactions_placement_tournament_id_idx
        ON prize_transactions (tournament_id, id)
        WHERE placement <> 'PARTICIPATION'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP INDEX prize_transactions_placement_tournament_id_idx`,
    );
    await queryRunner.query(`
      CREATE INDEX prize_transactions_tournament_id_idx
        ON prize_transactions (tournament_id, id)`);
  }
}
