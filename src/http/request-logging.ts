import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../auth/principal';

const logger = new Logger('HTTP');

// Marks an instance whose requests are logged (see logRefusedRequest).
const LOGS_REQUESTS = 'logsEveryRequest';

/**
 * One structured line per request: method, route pattern (ids stay out of
 * it), status, duration and principal id. Never a body, a query string, a
 * header or a token.
 */
export function logEveryRequest(instance: FastifyInstance): void {
  instance.decorate(LOGS_REQUESTS, true);
  instance.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply);
    done();
  });
}

/**
 * The line of a request Fastify's router refused (a malformed URL): it runs
 * no hooks, so its answer logs it, when the instance logs every request.
 */
export function logRefusedRequest(
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (request.server.hasDecorator(LOGS_REQUESTS)) {
    logRequest(request, reply);
  }
}

function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  logger.log(
    JSON.stringify({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      principal: (request as AuthenticatedRequest).principal?.profileId ?? null,
    }),
  );
}
