import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A key sent over HTTP or the console is stored scoped to its caller (a
 * digest of caller and key, so that two callers never share one); history
 * shows the caller the key it sent, kept beside it. Adding a nullable column
 * rewrites nothing: the ledger's rows stay as they are.
 */
export class ClientIdempotencyKeys1764100000000 implements MigrationInterface {
  name = 'ClientIdempotencyKeys1764100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE wallet_transactions
        ADD COLUMN client_idempotency_key text,
        ADD CONSTRAINT wallet_transactions_client_idempotency_key_check
          CHECK (client_idempotency_key IS NULL
                 OR (idempotency_key IS NOT NULL
                     AND length(client_idempotency_key) BETWEEN 1 AND 255))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE wallet_transactions DROP COLUMN client_idempotency_key',
    );
  }
}
