import { HttpStatus } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { ProblemCode } from '../../http/problem-details';
import { RequestRejected } from '../../http/request-rejected.exception';
import type { Outcome } from '../wallet.types';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

export const IDEMPOTENCY_HEADER_DOC = {
  name: 'Idempotency-Key',
  required: false,
  description:
    'up to 255 printable ASCII characters; a replay with the same body returns the original response with Idempotent-Replayed: true, another body gets 409',
};

/** The Idempotency-Key header, when present: 1 to 255 printable ASCII characters. */
export function idempotencyKeyFrom(
  header: string | undefined,
): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  if (!/^[\x20-\x7e]{1,255}$/.test(header)) {
    throw new RequestRejected(
      HttpStatus.BAD_REQUEST,
      ProblemCode.ValidationFailed,
      'Idempotency-Key must be 1 to 255 printable ASCII characters',
    );
  }
  return header;
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

/** Marks a replayed response, and returns its body. */
export function replyWith<T>(response: Response, outcome: Outcome<T>): T {
  if (outcome.replayed) {
    response.setHeader(REPLAYED_HEADER, 'true');
  }
  return outcome.result;
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
