/** Top-level member names worth naming in a problem detail. */
const PLAIN_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/**
 * The first number of a JSON text written with a fraction or an exponent,
 * outside the top-level `meta` member (free-form JSON); undefined when there
 * is none. JSON.parse reads `100.0000000000000001` as 100 and `1e2` as 100,
 * so a whole number in a parsed body may be a rounded one. Every number of
 * our bodies but meta's is a whole number (coins, ids), so one written
 * otherwise is refused before anything reads it. `member` names the
 * top-level member it sits in. `text` must be valid JSON.
 */
export function inexactNumber(
  text: string,
): { member: string | undefined } | undefined {
  let depth = 0;
  let expectingKey = false;
  let member: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') {
        end += text[end] === '\\' ? 2 : 1;
      }
      if (depth === 1 && expectingKey) {
        member = JSON.parse(text.slice(i, end + 1)) as string;
      }
      i = end;
    } else if (char === '{' || char === '[') {
      depth += 1;
      expectingKey = depth === 1 && char === '{';
    } else if (char === '}' || char === ']') {
      depth -= 1;
    } else if (char === ',' || char === ':') {
      expectingKey = depth === 1 && char === ',';
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end])) {
        end += 1;
      }
      if (member !== 'meta' && /[.eE]/.test(text.slice(i, end))) {
        return {
          member:
            member !== undefined && PLAIN_NAME.test(member)
              ? member
              : undefined,
        };
      }
      i = end - 1;
    }
  }
  return undefined;
}
