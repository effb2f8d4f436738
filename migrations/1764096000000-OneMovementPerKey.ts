import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An idempotency key names one movement: one credit or debit row, or the two
 * legs of one transfer (one out, one in). The key's index becomes unique per
 * (key, direction), so a second row paying in or out under a key already used
 * is refused by the database, whoever writes it.
 */
export class OneMovementPerKey1764096000000 implements MigrationInterface {
  name = 'OneMovementPerKey1764096000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE UNIQUE INDEX wallet_transactions_idempotency_key_direction_key
        ON wallet_transactions (idempotency_key, (amount > 0))
        WHERE idempotency_key IS NOT NULL`);
    await queryRunner.query(
      `DROP INDEX wallet_transactions_idempotency_key_idx`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX wallet_transactions_idempotency_key_idx
        ON wallet_transactions (idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await queryRunner.query(
      `DROP INDEX wallet_transactions_idempotency_key_direction_key`,
    );
  }
}
