/**
 * Member names Nest's ValidationPipe deletes wherever they are, meta included
 * (they could pollute prototypes): a request holding one is refused instead,
 * never silently altered.
 */
const FORBIDDEN_MEMBERS = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of the first member of `value` named in FORBIDDEN_MEMBERS, if any. */
export function forbiddenMember(value: unknown, prefix = ''): string | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  for (const [member, item] of Object.entries(value)) {
    if (FORBIDDEN_MEMBERS.has(member)) {
      return `${prefix}${member}`;
    }
    const inner = forbiddenMember(item, `${prefix}${member}.`);
    if (inner !== null) {
      return inner;
    }
  }
  return null;
}

export const FORBIDDEN_MEMBER_RULE =
  'members named __proto__, constructor or prototype are not allowed';
