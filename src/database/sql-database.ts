import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import {
  databaseErrorOf,
  DatabaseUnavailable,
  FinalRecordChange,
} from './database.errors';
import { PostgresErrorCode, postgresErrorOf } from './postgres-error';

/** A statement PostgreSQL parses and plans once per connection, then reuses. */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/** `name` must be unique in the app: PostgreSQL keeps one plan per name and connection. */
export function preparedStatement(
  name: string,
  text: string,
): PreparedStatement {
  return { name, text };
}

/** Runs prepared statements: on the pool, or inside one transaction. */
export interface SqlRunner {
  run<Row extends QueryResultRow>(
    statement: PreparedStatement,
    values: unknown[],
  ): Promise<Row[]>;
}

/**
 * Runs the app's SQL on the pg pool under TypeORM's DataSource, as named
 * prepared statements: one round trip, no re-planning, none of the ORM's
 * per-query bookkeeping. Same pool, same connections, same configuration as
 * the rest of the app.
 */
@Injectable()
export class SqlDatabase implements SqlRunner {
  private readonly pool: Pool;

  constructor(dataSource: DataSource) {
    this.pool = poolOf(dataSource);
  }

  run<Row extends QueryResultRow>(
    statement: PreparedStatement,
    values: unknown[],
  ): Promise<Row[]> {
    return execute<Row>(this.pool, statement, values);
  }

  /**
   * Runs `work` in one transaction on one connection; commits when
   * `commitIf` accepts the result, rolls back otherwise and on any error.
   * A transaction a failed statement aborted is never reported committed:
   * PostgreSQL answers its COMMIT with ROLLBACK, and this throws.
   */
  async transaction<T>(
    work: (transaction: SqlRunner) => Promise<T>,
    commitIf: (result: T) => boolean = () => true,
  ): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw databaseErrorOf(error);
    });
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work({
        run: (statement, values) => execute(client, statement, values),
      });
      if (!commitIf(result)) {
        await client.query('ROLLBACK');
        return result;
      }
      const ended = await client.query('COMMIT');
      if (ended.command !== 'COMMIT') {
        throw new Error(
          'the transaction was aborted by a failed statement; nothing was committed',
        );
      }
      return result;
    } catch (error) {
      // BEGIN, COMMIT and ROLLBACK are named here as statements are.
      const named = databaseErrorOf(error);
      if (named instanceof DatabaseUnavailable) {
        // A lost connection rolls back on the server; asking it would only
        // wait behind a timed-out query for the query bound once more.
        broken = named;
      } else {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
      }
      throw named;
    } finally {
      // A connection that could not roll back is discarded, not reused.
      client.release(broken);
    }
  }
}

/** The pg pool under TypeORM's DataSource: the app's one pool. */
export function poolOf(dataSource: DataSource): Pool {
  if (!(dataSource.driver instanceof PostgresDriver)) {
    throw new Error('the app runs on PostgreSQL only');
  }
  return dataSource.driver.master as Pool;
}

/**
 * Runs one statement. A final record's trigger refusing it, or a bound
 * passing, is a domain error, answered as such (a 409 or a 503 over HTTP),
 * never an unexpected 500.
 */
async function execute<Row extends QueryResultRow>(
  target: Pool | PoolClient,
  statement: PreparedStatement,
  values: unknown[],
): Promise<Row[]> {
  try {
    const result = await target.query<Row>({
      name: statement.name,
      text: statement.text,
      values,
    });
    return result.rows;
  } catch (error) {
    if (postgresErrorOf(error).code === PostgresErrorCode.RestrictViolation) {
      throw new FinalRecordChange((error as Error).message);
    }
    throw databaseErrorOf(error);
  }
}
