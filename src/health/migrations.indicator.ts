import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/**
 * Whether every migration this build carries is applied to the database: a
 * server ahead of its schema (a deploy before its migrations ran) is not
 * ready, though the database answers.
 */
@Injectable()
export class MigrationsIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key: string) {
    const session = this.indicators.check(key);
    const applied = new Set(
      (
        await this.dataSource.query<{ name: string }[]>(
          'SELECT name FROM schema_migrations',
        )
      ).map((row) => row.name),
    );
    const pending = this.dataSource.migrations.filter(
      (migration) => !applied.has(migration.name ?? migration.constructor.name),
    ).length;
    return pending === 0 ? session.up() : session.down({ pending });
  }
}
