import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';

/**
 * Whether every migration this build carries is applied to the database: a
 * server ahead of its schema (a deploy before its migrations ran) is not
 * ready, though the database answers. Down, not an error, when the database
 * does not answer within `timeoutMs`: a probe's answer is a report.
 */
@Injectable()
export class MigrationsIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key: string, timeoutMs: number) {
    const session = this.indicators.check(key);
    const timeout = new AbortController();
    let applied: Set<string>;
    try {
      const rows = await Promise.race([
        this.dataSource.query<{ name: string }[]>(
          'SELECT name FROM schema_migrations',
        ),
        sleep(timeoutMs, null, { signal: timeout.signal }),
      ]);
      if (rows === null) {
        return session.down({ message: 'the database did not answer in time' });
      }
      applied = new Set(rows.map((row) => row.name));
    } catch {
      return session.down({ message: 'the database could not be read' });
    } finally {
      timeout.abort();
    }
    const pending = this.dataSource.migrations.filter(
      (migration) => !applied.has(migration.name ?? migration.constructor.name),
    ).length;
    return pending === 0 ? session.up() : session.down({ pending });
  }
}
