/**
 * pg returns `bigint` columns as strings. Every such value crosses into
 * TypeScript through here, so no string ever reaches arithmetic and no value
 * beyond Number.MAX_SAFE_INTEGER is silently rounded.
 */
export function safeIntegerFromDatabase(
  value: string | number | bigint,
): number {
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(parsed) || String(parsed) !== String(value)) {
    throw new RangeError(
      `database integer ${String(value)} is not a safe integer`,
    );
  }
  return parsed;
}

/**
 * A positive id as text, written canonically: no sign, no leading zero, no
 * exponent, no spaces, at most 16 digits.
 */
export const CANONICAL_ID_PATTERN = /^[1-9]\d{0,15}$/;

/** The id `text` names when written canonically within the safe range; else null. */
export function canonicalId(text: unknown): number | null {
  if (typeof text !== 'string' || !CANONICAL_ID_PATTERN.test(text)) {
    return null;
  }
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

/** safeIntegerFromDatabase of a nullable column: NULL stays null. */
export function safeIntegerOrNull(
  value: string | number | bigint | null,
): number | null {
  return value === null ? null : safeIntegerFromDatabase(value);
}

export const bigintColumnTransformer = {
  to: (value: number | null | undefined): number | null | undefined => value,
  from: safeIntegerOrNull,
};

/** Whether `value` is a safe integer from `min` to `max`. */
export function isIntegerBetween(
  value: unknown,
  min: number,
  max: number,
): value is number {
  return (
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value >= min &&
    value <= max
  );
}
