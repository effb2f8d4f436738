import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys are opaque ASCII strings, compared byte by byte: COLLATE
 * "C". Under the database's default collation (C.UTF-8 here, anything on a
 * server of your own) every comparison in their indexes went through the C
 * library's strcoll: several dozen per movement (the key's own index, the
 * ledger's key index, the foreign-key checks), about a tenth of a batched
 * credit's cost in PostgreSQL. Byte order also cannot change under an
 * operating-system upgrade, as a locale's order can (and corrupt an index).
 * The foreign key comes off while both ends change, and goes back on.
 * Both tables are locked while their key indexes are rebuilt and the foreign
 * key is checked again over the whole ledger: on a large ledger, run this
 * migration in a maintenance window (the server runs pending migrations as
 * it starts).
 */
export class ByteOrderIdempotencyKeys1764098000000 implements MigrationInterface {
  name = 'ByteOrderIdempotencyKeys1764098000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.collateKeys(queryRunner, '"C"');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await this.collateKeys(queryRunner, '"default"');
  }

  private async collateKeys(
    queryRunner: QueryRunner,
    collation: string,
  ): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE wallet_transactions
        DROP CONSTRAINT wallet_transactions_idempotency_key_fkey`);
    await queryRunner.query(`
      ALTER TABLE idempotency_keys
        ALTER COLUMN key TYPE text COLLATE ${collation}`);
    await queryRunner.query(`
      ALTER TABLE wallet_transactions
        ALTER COLUMN idempotency_key TYPE text COLLATE ${collation},
        ADD CONSTRAINT wallet_transactions_idempotency_key_fkey
          FOREIGN KEY (idempotency_key)
          REFERENCES idempotency_keys (key) ON DELETE RESTRICT`);
  }
}
