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

export const bigintColumnTransformer = {
  to: (value: number | null | undefined): number | null | undefined => value,
  from: (value: string | null): number | null =>
    value === null ? null : safeIntegerFromDatabase(value),
};
