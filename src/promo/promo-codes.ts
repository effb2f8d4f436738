import { createHmac, randomInt } from 'node:crypto';
import { InvalidPromoInput } from './promo.errors';

/** What a code may be made of: as typed by a player, case aside. */
const CODE_PATTERN = /^[A-Z0-9-]{6,32}$/;

/**
 * The alphabet of generated codes: no look-alikes (0 and O, 1, I and L), so
 * a code read aloud or off a screen is typed right. 31 letters and digits.
 */
const GENERATED_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** 13 characters of 31: 64.4 bits from crypto's generator, past the 60 asked. */
const GENERATED_LENGTH = 13;

/** A code as it is compared: upper case. Malformed input is a 400, not a guess. */
export function normalizedCode(code: unknown): string {
  if (typeof code !== 'string' || !CODE_PATTERN.test(code.toUpperCase())) {
    throw new InvalidPromoInput(
      'a code is 6 to 32 characters of A-Z, 0-9 and -',
    );
  }
  return code.toUpperCase();
}

/** A single-use code nobody can guess: XXXX-XXXX-XXXXX. */
export function generatedCode(): string {
  const characters = Array.from(
    { length: GENERATED_LENGTH },
    () => GENERATED_ALPHABET[randomInt(GENERATED_ALPHABET.length)],
  ).join('');
  return `${characters.slice(0, 4)}-${characters.slice(4, 8)}-${characters.slice(8)}`;
}

/**
 * The keyed digest a code is stored and found by: HMAC-SHA-256 under the
 * server's promo secret, so that the database alone hands out no code.
 */
export function codeDigest(secret: string, normalized: string): Buffer {
  return createHmac('sha256', secret).update(normalized).digest();
}
