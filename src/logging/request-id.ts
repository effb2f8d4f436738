import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A caller's id is kept when it is 1 to 128 printable ASCII characters: it
 * goes into every log line of its request, which it may neither break nor
 * bloat.
 */
const CALLER_REQUEST_ID = /^[\x20-\x7e]{1,128}$/;

/**
 * Fastify's `genReqId`, so that every request has its id before any hook
 * runs, a URL the router refuses included: the caller's `X-Request-Id` when
 * acceptable, else a new UUID.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && CALLER_REQUEST_ID.test(given)
    ? given
    : randomUUID();
}

/** Every answer says which request it is, errors and 404s included. */
export function echoRequestId(instance: FastifyInstance): void {
  instance.addHook('onRequest', (request, reply, done) => {
    answerWithRequestId(request, reply);
    done();
  });
}

/** For answers given before any hook ran (a URL the router refused). */
export function answerWithRequestId(
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply.header(REQUEST_ID_HEADER, request.id);
}
