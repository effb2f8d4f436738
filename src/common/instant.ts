/**
 * A point in time as the API and the console take it: ISO 8601 with its
 * offset (`Z` or `±hh:mm`), a calendar day that exists, seconds and up to
 * three fraction digits optional. Without the offset the same text would be
 * a different instant on each machine that reads it, in its own time zone.
 */
export const INSTANT_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** What `INSTANT_PATTERN` asks for, in words, for refusals. */
export const INSTANT_FORMAT =
  'an ISO 8601 time with its offset, such as 2027-01-31T18:00:00Z';

/** The instant `text` names; null for anything else, 2027-02-30 included. */
export function instantOf(text: string): Date | null {
  const match = INSTANT_PATTERN.exec(text);
  if (match === null) {
    return null;
  }
  const [year, month, day] = match.slice(1, 4).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return null;
  }
  const instant = new Date(text);
  return Number.isNaN(instant.getTime()) ? null : instant;
}
