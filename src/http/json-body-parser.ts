import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { ProblemCode } from './problem-details';
import { RequestRejected } from './request-rejected.exception';

export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Bodies are JSON objects, 16 KiB at most, and nothing else: every other
 * parser is removed, so any other content type is a 415. A parse error
 * becomes a fixed message (the parser's own would quote the body), and meets
 * the problem-details filter like any other error.
 */
export function acceptOnlyJsonObjectBodies(instance: FastifyInstance): void {
  const parseJson = instance.getDefaultJsonParser('error', 'error');
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    (request, text, done) => {
      void parseJson(
        request,
        text.toString(),
        (error: Error | null, body?: unknown) => {
          if (error) {
            done(rejected('request body is not valid JSON'), undefined);
          } else if (
            typeof body !== 'object' ||
            body === null ||
            Array.isArray(body)
          ) {
            done(rejected('request bodies must be JSON objects'), undefined);
          } else {
            done(null, body);
          }
        },
      );
    },
  );
}

function rejected(detail: string): RequestRejected {
  return new RequestRejected(
    HttpStatus.BAD_REQUEST,
    ProblemCode.ValidationFailed,
    detail,
  );
}
