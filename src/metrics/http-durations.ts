import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpRequestDuration } from './metrics';

/** The route label of a request no route matched (a 404, a 405, a malformed URL). */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route a request took, as its pattern (`/wallets/:profileId`), never
 * its path: what metrics and logs name a request by, whatever ids it sent.
 */
export function routePatternOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/**
 * Observes every response in http_request_duration_seconds. The route is
 * the pattern (`/wallets/:profileId`), never the path: one series per
 * route, whatever ids clients send. A client that leaves before its answer
 * gets none, and is not observed.
 */
export function observeRequestDurations(instance: FastifyInstance): void {
  instance.addHook('onResponse', (request, reply, done) => {
    observeRequestDuration(request, reply);
    done();
  });
}

/** One answered request; for those Fastify's router refuses, which run no hooks. */
export function observeRequestDuration(
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  httpRequestDuration.observe(
    {
      method: request.method,
      route: routePatternOf(request),
      status: String(reply.statusCode),
    },
    reply.elapsedTime / 1000,
  );
}
