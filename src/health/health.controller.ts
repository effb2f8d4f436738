import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
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
      () => this.database.pingCheck('database', { timeout: 2000 }),
    ]);
  }
}
