import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { ProblemCode } from './problem-details';
import { RequestRejected } from './request-rejected.exception';

/**
 * Headers a request may carry once. Node joins repeated Idempotency-Key
 * headers into one value ("a, b") and keeps only the first Authorization
 * header: either would silently stand for another request.
 */
const ONCE_ONLY = new Set(['authorization', 'idempotency-key']);

/** Refuses (400) a request repeating a header of ONCE_ONLY, before anything reads it. */
export function refuseRepeatedHeaders(instance: FastifyInstance): void {
  instance.addHook('onRequest', (request, _reply, done) => {
    const seen = new Set<string>();
    const raw = request.raw.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      if (ONCE_ONLY.has(name)) {
        if (seen.has(name)) {
          done(
            new RequestRejected(
              HttpStatus.BAD_REQUEST,
              ProblemCode.ValidationFailed,
              `the ${raw[i]} header may be sent once`,
            ),
          );
          return;
        }
        seen.add(name);
      }
    }
    done();
  });
}
