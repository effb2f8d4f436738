import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { holdsStorableText } from '../common/storable-text';
import { FORBIDDEN_MEMBER_RULE, forbiddenMember } from './forbidden-members';
import { inexactNumber } from './inexact-number';
import { nestsDeeperThan } from './json-nesting';
import { ProblemCode } from './problem-details';
import { RequestRejected } from './request-rejected.exception';

export const MAX_BODY_BYTES = 16 * 1024;

/** Deeper than any body of ours needs, meta included; far from a stack overflow. */
export const MAX_JSON_DEPTH = 32;

/**
 * Bodies are JSON objects, 16 KiB at most, and nothing else: any other
 * content type is a 415. An empty body is no body, whatever well-formed type
 * it declares (clients send one with body-less POSTs); as JSON it reads as
 * `{}`. Each refusal is a 400 with a fixed message that never quotes the
 * body, and meets the problem-details filter like any other error:
 * - not UTF-8, or not JSON (invalid bytes would be replaced silently);
 * - nested deeper than MAX_JSON_DEPTH (the checks below walk it recursively);
 * - a member named __proto__, constructor or prototype (see forbiddenMember);
 * - a string PostgreSQL cannot store: a lone surrogate (`"\ud800"`) or a NUL
 *   would reach a validator or the database and end as a 500;
 * - a number outside `meta` written with a fraction or an exponent: parsed,
 *   it may have been rounded to a whole number (see inexactNumber).
 */
export function acceptOnlyJsonObjectBodies(instance: FastifyInstance): void {
  const options = { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES } as const;
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser(
    'application/json',
    options,
    (_request, raw: Buffer, done) => {
      try {
        done(null, parseJsonObject(raw));
      } catch (error) {
        done(error as RequestRejected, undefined);
      }
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

function parseJsonObject(raw: Buffer): object {
  if (raw.length === 0) {
    return {};
  }
  if (!isUtf8(raw)) {
    throw rejected(HttpStatus.BAD_REQUEST, 'request body is not valid UTF-8');
  }
  const text = raw.toString('utf8');
  let body: unknown;
  try {
    // A member named __proto__ becomes an own data property, never a
    // prototype: JSON.parse defines properties, it does not assign them.
    body = JSON.parse(text);
  } catch {
    throw rejected(HttpStatus.BAD_REQUEST, 'request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw rejected(
      HttpStatus.BAD_REQUEST,
      'request bodies must be JSON objects',
    );
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw rejected(
      HttpStatus.BAD_REQUEST,
      `request bodies nest at most ${MAX_JSON_DEPTH} levels of objects and arrays`,
    );
  }
  const forbidden = forbiddenMember(body);
  if (forbidden !== null) {
    throw rejected(
      HttpStatus.BAD_REQUEST,
      `${forbidden}: ${FORBIDDEN_MEMBER_RULE}`,
    );
  }
  if (!holdsStorableText(body)) {
    throw rejected(
      HttpStatus.BAD_REQUEST,
      'strings must be well-formed Unicode without NUL characters',
    );
  }
  const inexact = inexactNumber(text);
  if (inexact) {
    throw new RequestRejected(
      HttpStatus.BAD_REQUEST,
      inexact.member === 'amount'
        ? ProblemCode.InvalidAmount
        : ProblemCode.ValidationFailed,
      `${inexact.member ?? 'a member'}: numbers must be whole, written without a fraction or an exponent`,
    );
  }
  return body;
}

function rejected(status: HttpStatus, detail: string): RequestRejected {
  return new RequestRejected(status, ProblemCode.ValidationFailed, detail);
}
