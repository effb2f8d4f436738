import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every money movement rewrites its wallets' rows. With room left on each
 * page the new row version stays on the same page as a heap-only update,
 * which touches neither of the table's indexes; on full pages (the default
 * fill factor of 100) most updates wrote a new entry into both. Pages
 * written before this migration keep their fill until they are rewritten.
 */
export class WalletsFillfactor1764092000000 implements MigrationInterface {
  name = 'WalletsFillfactor1764092000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE wallets SET (fillfactor = 70)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE wallets RESET (fillfactor)`);
  }
}
