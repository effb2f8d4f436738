import {
  bigintColumnTransformer,
  safeIntegerFromDatabase,
} from './safe-integer';

describe('safeIntegerFromDatabase', () => {
  it.each([
    ['0', 0],
    ['-42', -42],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['-9007199254740991', -Number.MAX_SAFE_INTEGER],
    [17, 17],
  ])('reads %p as %p', (value, expected) => {
    expect(safeIntegerFromDatabase(value)).toBe(expected);
  });

  it.each(['9007199254740992', '-9007199254740993', '1.5', 'abc', '', '01'])(
    'refuses %p instead of rounding it',
    (value) => {
      expect(() => safeIntegerFromDatabase(value)).toThrow(RangeError);
    },
  );

  it('converts bigint columns both ways at the repository boundary', () => {
    expect(bigintColumnTransformer.from('12')).toBe(12);
    expect(bigintColumnTransformer.from(null)).toBeNull();
    expect(bigintColumnTransformer.to(12)).toBe(12);
  });
});
