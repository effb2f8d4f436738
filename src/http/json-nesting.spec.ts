import { nestsDeeperThan } from './json-nesting';

describe('nestsDeeperThan', () => {
  const nested = (levels: number) =>
    `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;

  it('counts objects and arrays alike, up to the bound included', () => {
    expect(nestsDeeperThan(nested(4), 4)).toBe(false);
    expect(nestsDeeperThan(nested(5), 4)).toBe(true);
    expect(nestsDeeperThan('[[[[1]]]]', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(nestsDeeperThan(`[${'[]'.repeat(100)}]`, 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\"[[[[","b":1}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a\\\\":[[1]]}', 2)).toBe(true);
  });

  it('reads 2,000 levels without recursion', () => {
    expect(nestsDeeperThan(nested(2000), 32)).toBe(true);
    expect(nestsDeeperThan('['.repeat(2000) + ']'.repeat(2000), 32)).toBe(true);
  });
});
