import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { outsideRequestScope } from '../logging/request-scope';
import { routePatternOf } from '../metrics/http-durations';

const logger = new Logger('HTTP');

/** What the auth guards leave on a request that the line reports: the caller's id. */
interface LoggedRequest {
  principal?: { profileId: number };
}

// Marks an instance whose requests are logged (see logRefusedRequest).
const LOGS_REQUESTS = 'logsEveryRequest';

const RECEIVED_AT = 'receivedAt';

/** The status logged for a request whose client left before its answer. */
const CLIENT_CLOSED_REQUEST = 499;

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request arrived. */
    [RECEIVED_AT]: number;
  }
}

/**
 * One structured line per request: its id, method, route pattern (ids stay
 * out of it), status, duration and principal id. Never a body, a query
 * string, another header or a token.
 */
export function logEveryRequest(instance: FastifyInstance): void {
  instance.decorate(LOGS_REQUESTS, true);
  instance.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply.statusCode, reply.elapsedTime);
    done();
  });
  // A client that leaves before its answer gets no response, so no
  // onResponse: its line says 499, as proxies log a client's closed request.
  instance.decorateRequest(RECEIVED_AT, 0);
  instance.addHook('onRequest', (request, _reply, done) => {
    request[RECEIVED_AT] = performance.now();
    done();
  });
  instance.addHook('onRequestAbort', (request, done) => {
    logRequest(
      request,
      CLIENT_CLOSED_REQUEST,
      performance.now() - request[RECEIVED_AT],
      'client closed request',
    );
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
    logRequest(request, reply.statusCode, reply.elapsedTime);
  }
}

function logRequest(
  request: FastifyRequest,
  status: number,
  elapsedMs: number,
  msg = 'request completed',
): void {
  outsideRequestScope(() =>
    logger.log({
      msg,
      reqId: request.id,
      method: request.method,
      route: routePatternOf(request),
      status,
      durationMs: Math.round(elapsedMs * 100) / 100,
      principal: (request as LoggedRequest).principal?.profileId ?? null,
    }),
  );
}
