import { instantOf } from './instant';

describe('instantOf', () => {
  it('reads a time with its offset as that instant, whatever the zone of the machine', () => {
    expect(instantOf('2027-01-31T18:00:00Z')?.toISOString()).toBe(
      '2027-01-31T18:00:00.000Z',
    );
    expect(instantOf('2027-01-31T18:00:00.250+02:00')?.toISOString()).toBe(
      '2027-01-31T16:00:00.250Z',
    );
    expect(instantOf('2027-01-31T18:00-05:30')?.toISOString()).toBe(
      '2027-01-31T23:30:00.000Z',
    );
    expect(instantOf('2028-02-29T00:00:00Z')?.toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
  });

  it.each([
    // No offset: local time, a different instant on each machine.
    '2027-01-31T18:00:00',
    '2027-01-31',
    '2027-01-31 18:00Z',
    // Days and times that do not exist, which Date would move silently.
    '2027-02-30T00:00:00Z',
    '2027-02-29T00:00:00Z',
    '2027-13-01T00:00:00Z',
    '2027-01-31T24:00:00Z',
    '2027-01-31T18:60:00Z',
    '2027-01-31T18:00:00+24:00',
    '2027-01-31T18:00:00.1234Z',
    'tomorrow',
    '',
  ])('refuses %j', (text) => {
    expect(instantOf(text)).toBeNull();
  });
});
