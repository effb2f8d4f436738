import type { FastifyInstance } from 'fastify';
import { storage, Store } from 'nestjs-pino/storage';
import type { Logger as Pino } from 'pino';

/**
 * Each request's work runs in nestjs-pino's scope with a child of `root`
 * that binds only the request's id: every line Nest's Logger writes for it
 * carries `reqId`, and no URL or header value is ever read into a log. A
 * Fastify hook instead of nestjs-pino's middleware (pino-http, through
 * middie): the same scope for a fifth less of the server's CPU a request
 * (docs/decisions.md, "Logs through pino, one JSON object a line"). The
 * hooks after it, the body's parsing and the handler run inside it.
 */
export function scopeRequestLogs(instance: FastifyInstance, root: Pino): void {
  instance.addHook('onRequest', (request, _reply, done) => {
    storage.run(new Store(root.child({ reqId: request.id })), done);
  });
}

/**
 * Runs `write` outside its request's logger scope (nestjs-pino's), for a line
 * that names its request id itself: it is also written where no such scope
 * exists (a URL the router refused), and inside one the id would be bound
 * twice.
 */
export function outsideRequestScope(write: () => void): void {
  storage.exit(write);
}
