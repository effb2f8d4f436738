import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { AuthenticatedRequest } from '../auth/principal';

/**
 * One structured line per request: method, route pattern (ids stay out of
 * it), status, duration and principal id. Never a body, a query string, a
 * header or a token.
 */
export function logEveryRequest(instance: FastifyInstance): void {
  const logger = new Logger('HTTP');
  instance.addHook('onResponse', (request, reply, done) => {
    logger.log(
      JSON.stringify({
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        principal:
          (request as AuthenticatedRequest).principal?.profileId ?? null,
      }),
    );
    done();
  });
}
