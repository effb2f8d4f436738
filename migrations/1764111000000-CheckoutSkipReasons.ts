import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CHECKOUT_BATCH_FUNCTION } from './1764110000000-CheckoutBatches';

/**
 * shop_checkout_batch again, answering why a first call skipped an order:
 * `skipped` when another transaction held its buyer's wallet (as before),
 * `item_skipped` when it held one of its counted items. The service sends a
 * wallet's skip again at once, waiting, on its batch's lane (the buyer's
 * profile keeps that to one lane), and an item's again holding its skus,
 * so that a locked item holds one lane (ShopBatchCoalescer) without holding
 * up other buyers of the item behind a locked wallet. Nothing else changed
 * (migrations/1764110000000-CheckoutBatches.ts has the function's steps and
 * locking argument).
 */
export class CheckoutSkipReasons1764111000000 implements MigrationInterface {
  name = 'CheckoutSkipReasons1764111000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(CHECKOUT_BATCH_FUNCTION.item_skipped);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(CHECKOUT_BATCH_FUNCTION.skipped);
  }
}
