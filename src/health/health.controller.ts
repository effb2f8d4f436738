import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { MigrationsIndicator } from './migrations.indicator';

const PING_TIMEOUT_MS = 2000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly migrations: MigrationsIndicator,
  ) {}

  /** 200 when PostgreSQL answers, 503 when it does not. */
  @Get()
  @Public('Check that the database answers')
  @HealthCheck()
  @ApiOkResponse({ description: 'PostgreSQL answers' })
  @ApiServiceUnavailableResponse({
    description:
      'PostgreSQL does not answer: problem JSON (INTERNAL) with a `checks` member naming it down',
  })
  check() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: PING_TIMEOUT_MS }),
    ]);
  }

  /** The process answers: whether to restart it, never whether to send it traffic. */
  @Get('live')
  @Public('Check that the process answers (liveness)')
  @ApiOkResponse({ description: 'The process answers: `{ "status": "ok" }`' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Whether to send it traffic: the database answers and its schema is this build's. */
  @Get('ready')
  @Public(
    'Check that the database answers and every migration is applied (readiness)',
  )
  @HealthCheck()
  @ApiOkResponse({
    description: 'PostgreSQL answers and every migration is applied',
  })
  @ApiServiceUnavailableResponse({
    description:
      'PostgreSQL does not answer, or migrations are pending: problem JSON (INTERNAL) with a `checks` member naming what is down',
  })
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: PING_TIMEOUT_MS }),
      () => this.migrations.check('migrations', PING_TIMEOUT_MS),
    ]);
  }
}
