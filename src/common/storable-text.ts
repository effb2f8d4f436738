/**
 * Every string in `value`, member names included, is text PostgreSQL can
 * store: well-formed Unicode (no lone surrogate) without NUL characters.
 */
export function holdsStorableText(value: unknown): boolean {
  if (typeof value === 'string') {
    return value.isWellFormed() && !value.includes('\0');
  }
  if (typeof value !== 'object' || value === null) {
    return true;
  }
  return Object.entries(value).every(
    ([key, item]) => holdsStorableText(key) && holdsStorableText(item),
  );
}
