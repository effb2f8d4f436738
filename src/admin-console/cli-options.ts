import { InvalidArgumentError } from 'commander';
import { DURATION_PATTERN, durationSeconds } from '../common/duration';
import { isIdempotencyKey } from '../economy';

/** Option parsers: a bad value is commander's InvalidArgumentError, so exit 2. */
export function parsePositiveInteger(
  value: string,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const parsed = /^[1-9]\d*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed > max) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
  }
  return parsed;
}

export function parseSignedAmount(value: string): number {
  const parsed = /^-?[1-9]\d*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed)) {
    throw new InvalidArgumentError('expected a non-zero whole number of coins');
  }
  return parsed;
}

export function parseNote(value: string): string {
  if (value.trim().length === 0 || value.length > 500) {
    throw new InvalidArgumentError('expected 1 to 500 characters');
  }
  return value;
}

/** A token lifetime, at most `maxTtl` (JWT_MAX_TTL): longer, the server would refuse it. */
export function parseTtl(value: string, maxTtl: string): string {
  if (
    !DURATION_PATTERN.test(value) ||
    durationSeconds(value) > durationSeconds(maxTtl)
  ) {
    throw new InvalidArgumentError(
      `expected a duration such as 90s, 15m, 12h or 7d, at most ${maxTtl} (JWT_MAX_TTL)`,
    );
  }
  return value;
}

export function parseIdempotencyKey(value: string): string {
  if (!isIdempotencyKey(value)) {
    throw new InvalidArgumentError(
      'expected 1 to 255 printable ASCII characters',
    );
  }
  return value;
}
