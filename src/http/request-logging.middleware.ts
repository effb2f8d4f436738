import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AuthenticatedRequest } from '../auth/principal';

/**
 * One structured line per request: method, route pattern (ids stay out of
 * it), status, duration and principal id. Never a body, a query string, a
 * header or a token.
 */
@Injectable()
export class RequestLoggingMiddleware implements NestMiddleware {
  private readonly logger = new Logger('HTTP');

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path;
      this.logger.log(
        JSON.stringify({
          method: request.method,
          route: route ? `${request.baseUrl}${route}` : 'unmatched',
          status: response.statusCode,
          durationMs:
            Math.round(Number(process.hrtime.bigint() - started) / 10_000) /
            100,
          principal:
            (request as Request & AuthenticatedRequest).principal?.profileId ??
            null,
        }),
      );
    });
    next();
  }
}
