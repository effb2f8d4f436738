import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The player rate limit's counts, shared by every instance of the service
 * (SharedThrottlerStorage): one row a player, holding the times of its
 * requests counted in the last minute, at most the limit's worth, rewritten
 * in place by each request. UNLOGGED: a count that lives a minute needs no
 * WAL, so a player's request waits for no flush and no synchronous replica;
 * after a crash or a failover the table starts empty, and players get a
 * fresh minute (docs/decisions.md, "The player rate limit is counted in
 * PostgreSQL"). Room left on each page (fillfactor) keeps those updates HOT.
 */
export class SharedRateLimit1764106000000 implements MigrationInterface {
  name = 'SharedRateLimit1764106000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE UNLOGGED TABLE rate_limit_hits (
        key text COLLATE "C" NOT NULL CONSTRAINT rate_limit_hits_pkey PRIMARY KEY,
        hits bigint[] NOT NULL,
        last_refused boolean NOT NULL
      ) WITH (fillfactor = 50)`);
    await queryRunner.query(
      'GRANT SELECT, INSERT, UPDATE ON TABLE rate_limit_hits TO deltacrown_app',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE rate_limit_hits');
  }
}
