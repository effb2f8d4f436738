import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { holdsStorableText } from '../economy/domain/movement-input';
import { inexactNumber } from './inexact-number';
import { ProblemCode } from './problem-details';
import { RequestRejected } from './request-rejected.exception';

export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Bodies are JSON objects, 16 KiB at most, and nothing else: any other
 * content type is a 415. An empty body is no body, whatever well-formed type
 * it declares (clients send one with body-less POSTs); as JSON it reads as
 * `{}`. A parse error becomes a fixed message (the parser's own would quote
 * the body), and meets the problem-details filter like any other error. A
 * number outside `meta` written with a fraction or an exponent is refused:
 * parsed, it may have been rounded to a whole number (see inexactNumber).
 * Bodies are UTF-8, and their strings text PostgreSQL can store: invalid
 * bytes would be replaced silently, and a lone surrogate (`"\ud800"`) or a
 * NUL would reach a validator or the database and end as a 500.
 */
export function acceptOnlyJsonObjectBodies(instance: FastifyInstance): void {
  const parseJson = instance.getDefaultJsonParser('error', 'error');
  const options = { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES } as const;
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser(
    'application/json',
    options,
    (request, raw: Buffer, done) => {
      if (raw.length === 0) {
        done(null, {});
        return;
      }
      if (!isUtf8(raw)) {
        done(
          rejected(HttpStatus.BAD_REQUEST, 'request body is not valid UTF-8'),
          undefined,
        );
        return;
      }
      const text = raw.toString('utf8');
      void parseJson(request, text, (error: Error | null, body?: unknown) => {
        if (error) {
          done(
            rejected(HttpStatus.BAD_REQUEST, 'request body is not valid JSON'),
            undefined,
          );
        } else if (
          typeof body !== 'object' ||
          body === null ||
          Array.isArray(body)
        ) {
          done(
            rejected(
              HttpStatus.BAD_REQUEST,
              'request bodies must be JSON objects',
            ),
            undefined,
          );
        } else if (!holdsStorableText(body)) {
          done(
            rejected(
              HttpStatus.BAD_REQUEST,
              'strings must be well-formed Unicode without NUL characters',
            ),
            undefined,
          );
        } else {
          const inexact = inexactNumber(text);
          done(
            inexact
              ? new RequestRejected(
                  HttpStatus.BAD_REQUEST,
                  inexact.member === 'amount'
                    ? ProblemCode.InvalidAmount
                    : ProblemCode.ValidationFailed,
                  `${inexact.member ?? 'a member'}: numbers must be whole, written without a fraction or an exponent`,
                )
              : null,
            inexact ? undefined : body,
          );
        }
      });
    },
  );
  instance.addContentTypeParser('*', options, (_request, raw: Buffer, done) => {
    if (raw.length === 0) {
      done(null, undefined);
    } else {
      done(
        rejected(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          'request bodies must be application/json',
        ),
        undefined,
      );
    }
  });
}

function rejected(status: HttpStatus, detail: string): RequestRejected {
  return new RequestRejected(status, ProblemCode.ValidationFailed, detail);
}
