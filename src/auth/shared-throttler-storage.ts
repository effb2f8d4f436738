import type { ThrottlerStorage } from '@nestjs/throttler';
import { preparedStatement, SqlDatabase } from '../database/sql-database';

type ThrottlerStorageRecord = Awaited<
  ReturnType<ThrottlerStorage['increment']>
>;

// One row a key: the times (epoch milliseconds) of its requests counted in
// the last `ttl`, at most `limit` of them. Expired times are dropped and a
// new one appended only while fewer than `limit` remain, in one statement
// under the row's lock, so requests racing on several instances are counted
// one after another. `last_refused` tells the caller which way it went.
const COUNT_REQUEST = preparedStatement(
  'rate_limit_count_request',
  `INSERT INTO rate_limit_hits AS r (key, hits, last_refused)
   VALUES ($1, ARRAY[$2::bigint], false)
   ON CONFLICT (key) DO UPDATE
      SET (hits, last_refused) = (
            SELECT CASE WHEN cardinality(live) < $4::int THEN live || $2::bigint ELSE live END,
                   cardinality(live) >= $4::int
              FROM (SELECT ARRAY(SELECT h FROM unnest(r.hits) AS h
                                  WHERE h > $2::bigint - $3::bigint) AS live) AS counted)
   RETURNING last_refused AS refused,
             cardinality(hits) AS count,
             ceil(((SELECT min(h) FROM unnest(hits) AS h) + $3::bigint - $2::bigint) / 1000.0)::int AS wait`,
);

/**
 * The throttler's counts in PostgreSQL, shared by every instance of the
 * service (docs/decisions.md, "The player rate limit is counted in
 * PostgreSQL"). A sliding window without a block, as the guard configures
 * it: a request counts for exactly `ttl` ms, a refused one not at all, and
 * the wait is until the oldest counted request leaves the window. Times are
 * this process's clock, as the in-memory storage's were.
 */
export class SharedThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly database: SqlDatabase) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<ThrottlerStorageRecord> {
    if (blockDuration !== 0) {
      throw new Error('SharedThrottlerStorage counts without a block');
    }
    const [row] = await this.database.run<{
      refused: boolean;
      count: number;
      wait: number;
    }>(COUNT_REQUEST, [key, Date.now(), ttl, limit]);
    return {
      totalHits: row.refused ? row.count + 1 : row.count,
      timeToExpire: row.wait,
      isBlocked: row.refused,
      timeToBlockExpire: row.refused ? row.wait : 0,
    };
  }
}
