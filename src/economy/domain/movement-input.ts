import { holdsStorableText } from '../../common/storable-text';
import { isIntegerBetween } from '../../common/safe-integer';
import {
  InvalidAmount,
  InvalidRequest,
  InvalidWallet,
} from '../economy.errors';
import type { Profile } from '../../profiles';
import {
  isLedgerReason,
  TRANSFER_LEG_REASONS,
  type LedgerReason,
} from './ledger-reason';

/** A profile entity or its id: every WalletService method takes either. */
export type ProfileRef = Pick<Profile, 'id'> | number;

export type Meta = Record<string, unknown>;

/**
 * The meta member for the platform's eyes only (operators' notes and ids):
 * services and admins read it, the wallet's player never does.
 */
export const INTERNAL_META = 'internal';

export const MAX_META_BYTES = 4096;
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** 1 to 255 printable ASCII characters: what the ledger accepts as a key. */
export function isIdempotencyKey(key: string): boolean {
  return IDEMPOTENCY_KEY_PATTERN.test(key);
}

/** A safe integer from `min` to `max`, or InvalidRequest naming `name`. */
export function requireInteger(
  name: string,
  value: unknown,
  min: number,
  max: number,
): number {
  if (!isIntegerBetween(value, min, max)) {
    throw new InvalidRequest(
      `${name} must be an integer from ${min} to ${max}`,
    );
  }
  return value;
}

export function requireAmount(amount: unknown): number {
  if (
    typeof amount !== 'number' ||
    !Number.isSafeInteger(amount) ||
    amount <= 0
  ) {
    throw new InvalidAmount(
      `amount must be a positive safe integer, got ${describe(amount)}`,
    );
  }
  return amount;
}

export function requireProfileId(profile: unknown): number {
  const id =
    typeof profile === 'object' && profile !== null && 'id' in profile
      ? profile.id
      : profile;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    throw new InvalidWallet(
      `profile id must be a positive integer, got ${describe(id)}`,
    );
  }
  return id;
}

export function requireMovementReason(reason: unknown): LedgerReason {
  const known = requireReason(reason);
  if (TRANSFER_LEG_REASONS.includes(known)) {
    throw new InvalidRequest(
      `reason ${known} is reserved for the legs of a transfer`,
    );
  }
  return known;
}

export function requireOptionalReason(reason: unknown): LedgerReason | null {
  return reason === undefined || reason === null
    ? null
    : requireMovementReason(reason);
}

export function requireIdempotencyKey(key: unknown): string | null {
  if (key === undefined || key === null) {
    return null;
  }
  if (typeof key !== 'string' || !isIdempotencyKey(key)) {
    throw new InvalidRequest(
      'idempotency key must be 1 to 255 printable ASCII characters',
    );
  }
  return key;
}

export function requireMeta(meta: unknown): Meta {
  if (meta === undefined || meta === null) {
    return {};
  }
  if (typeof meta !== 'object' || Array.isArray(meta)) {
    throw new InvalidRequest('meta must be a JSON object');
  }
  let serialized: string;
  try {
    serialized = JSON.stringify(meta);
  } catch {
    throw new InvalidRequest('meta must be serializable as JSON');
  }
  if (Buffer.byteLength(serialized, 'utf8') > MAX_META_BYTES) {
    throw new InvalidRequest(
      `meta must be at most ${MAX_META_BYTES} bytes of JSON`,
    );
  }
  // What is stored is what JSON makes of it (a Date becomes a string, say):
  // it must still be an object, and hold only text PostgreSQL accepts.
  const stored: unknown = JSON.parse(serialized);
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
    throw new InvalidRequest('meta must be a JSON object');
  }
  if (!holdsStorableText(stored)) {
    throw new InvalidRequest(
      'meta text must be well-formed Unicode without NUL characters',
    );
  }
  return stored as Meta;
}

function requireReason(reason: unknown): LedgerReason {
  if (!isLedgerReason(reason)) {
    throw new InvalidRequest(`unknown ledger reason ${describe(reason)}`);
  }
  return reason;
}

function describe(value: unknown): string {
  if (typeof value === 'string') {
    return `a string of length ${value.length}`;
  }
  if (
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    typeof value === 'boolean'
  ) {
    return String(value);
  }
  return value === null ? 'null' : typeof value;
}
