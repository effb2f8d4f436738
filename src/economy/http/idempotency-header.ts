import { HttpStatus } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { ProblemCode } from '../../http/problem-details';
import { RequestRejected } from '../../http/request-rejected.exception';
import { routePatternOf } from '../../metrics/http-durations';
import { idempotentReplaysTotal } from '../../metrics/metrics';
import { isPlayerOnly, type Principal } from '../../auth/principal';
import {
  IDEMPOTENCY_KEY_PATTERN,
  isIdempotencyKey,
} from '../domain/movement-input';
import type { KeyScope } from '../idempotency/scoped-key';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

export const IDEMPOTENCY_HEADER_DOC = {
  name: 'Idempotency-Key',
  required: false,
  description:
    '1 to 255 printable ASCII characters; a replay with the same body returns the original response with Idempotent-Replayed: true, another body gets 409',
  schema: {
    type: 'string',
    minLength: 1,
    maxLength: 255,
    pattern: IDEMPOTENCY_KEY_PATTERN.source,
  },
  example: 'order-1042',
};

export const REPLAYED_HEADER_DOC = {
  [REPLAYED_HEADER]: {
    description:
      'true when this is the stored response to an earlier request with the same Idempotency-Key and body',
    schema: { type: 'string', enum: ['true'] },
  },
};

/** A client's Idempotency-Key, and whose it is: the economy scopes it. */
export interface CallerKey {
  idempotencyKey: string;
  keyScope: KeyScope;
}

/**
 * The Idempotency-Key header, when present (1 to 255 printable ASCII
 * characters), and the caller it is scoped to: two callers never share a
 * key, so no one can block or read another's keyed movements. A caller is a
 * player or the platform, and its id: a service token's `sub` may equal a
 * player's profile id.
 */
export function idempotencyKeyFrom(
  principal: Principal,
  header: string | undefined,
): CallerKey | undefined {
  if (header === undefined) {
    return undefined;
  }
  if (!isIdempotencyKey(header)) {
    throw new RequestRejected(
      HttpStatus.BAD_REQUEST,
      ProblemCode.ValidationFailed,
      'Idempotency-Key must be 1 to 255 printable ASCII characters',
    );
  }
  // A platform caller's scope is its sub, as it always was: keys stored
  // before players got a scope of their own still replay.
  return {
    idempotencyKey: header,
    keyScope: {
      namespace: 'http',
      caller: isPlayerOnly(principal)
        ? `player:${principal.profileId}`
        : String(principal.profileId),
    },
  };
}

/**
 * A digest of the route and the whole validated body: a replay must match it
 * byte for byte in meaning (meta included), not only the ledger payload.
 */
export function requestFingerprint(route: string, body: object): string {
  return createHash('sha256')
    .update(`${route}\n${canonicalJson(body)}`)
    .digest('base64url');
}

/**
 * Marks a replayed response, and counts it: every keyed route answers
 * through here. The body says nothing of it (the header does).
 */
export function replyWith<T extends { replayed: boolean }>(
  response: FastifyReply,
  { replayed, ...body }: T,
): Omit<T, 'replayed'> {
  if (replayed) {
    idempotentReplaysTotal.inc({
      route: routePatternOf(response.request),
    });
    void response.header(REPLAYED_HEADER, 'true');
  }
  return body;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries
      .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
