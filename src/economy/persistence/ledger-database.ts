import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

/** A statement PostgreSQL parses and plans once per connection, then reuses. */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

export function preparedStatement(
  name: string,
  text: string,
): PreparedStatement {
  return { name: `economy_${name}`, text };
}

/** Runs prepared statements: on the pool, or inside one transaction. */
export interface SqlRunner {
  run<Row extends QueryResultRow>(
    statement: PreparedStatement,
    values: unknown[],
  ): Promise<Row[]>;
}

/**
 * The hot paths of the ledger run on the pg pool under TypeORM's DataSource,
 * as named prepared statements: one round trip, no re-planning of the
 * movement CTEs, none of the ORM's per-query bookkeeping. Same pool, same
 * connections, same configuration as the rest of the app.
 */
@Injectable()
export class LedgerDatabase implements SqlRunner {
  constructor(private readonly dataSource: DataSource) {}

  run<Row extends QueryResultRow>(
    statement: PreparedStatement,
    values: unknown[],
  ): Promise<Row[]> {
    return execute<Row>(this.pool(), statement, values);
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
    const client = await this.pool().connect();
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
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      // A connection that could not roll back is discarded, not reused.
      client.release(broken);
    }
  }

  private pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }
}

async function execute<Row extends QueryResultRow>(
  target: Pool | PoolClient,
  statement: PreparedStatement,
  values: unknown[],
): Promise<Row[]> {
  const result = await target.query<Row>({
    name: statement.name,
    text: statement.text,
    values,
  });
  return result.rows;
}
