import { Injectable } from '@nestjs/common';
import type { Pool, QueryResultRow } from 'pg';
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

/**
 * The hot paths of the ledger run on the pg pool under TypeORM's DataSource,
 * as named prepared statements: one round trip, no re-planning of the
 * movement CTEs, none of the ORM's per-query bookkeeping. Same pool, same
 * connections, same configuration as the rest of the app.
 */
@Injectable()
export class LedgerDatabase {
  constructor(private readonly dataSource: DataSource) {}

  async run<Row extends QueryResultRow>(
    statement: PreparedStatement,
    values: unknown[],
  ): Promise<Row[]> {
    const result = await this.pool().query<Row>({
      name: statement.name,
      text: statement.text,
      values,
    });
    return result.rows;
  }

  private pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }
}
