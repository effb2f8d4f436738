import { VerifiedTokens } from './verified-tokens';

describe('VerifiedTokens', () => {
  let nowMs: number;
  const tokens = (capacity?: number) =>
    new VerifiedTokens(() => nowMs, capacity);
  const alice = { profileId: 7, roles: ['player' as const] };

  beforeEach(() => {
    nowMs = 1_000_000_000;
  });

  it('knows only the exact token it was given, until the second it expires', () => {
    const known = tokens();
    const exp = nowMs / 1000 + 2;
    expect(known.remember('token-a', alice, exp)).toEqual(alice);
    expect(known.principalOf('token-a')).toEqual(alice);
    expect(known.principalOf('token-a ')).toBeUndefined();
    expect(known.principalOf('token-b')).toBeUndefined();
    nowMs += 1999;
    expect(known.principalOf('token-a')).toEqual(alice);
    // jsonwebtoken refuses a token from its exp second on; so does the cache.
    nowMs += 1;
    expect(known.principalOf('token-a')).toBeUndefined();
    nowMs -= 1000;
    expect(known.principalOf('token-a')).toBeUndefined();
  });

  it('forgets the oldest token when full', () => {
    const known = tokens(2);
    const exp = nowMs / 1000 + 60;
    known.remember('first', alice, exp);
    known.remember('second', alice, exp);
    known.remember('third', alice, exp);
    expect(known.principalOf('first')).toBeUndefined();
    expect(known.principalOf('second')).toEqual(alice);
    expect(known.principalOf('third')).toEqual(alice);
    // Two first requests with one token both remember it: nothing else goes.
    known.remember('third', alice, exp);
    expect(known.principalOf('second')).toEqual(alice);
  });

  it('hands out a principal no request can change for the next', () => {
    const known = tokens();
    const roles: ('player' | 'admin')[] = ['player'];
    known.remember('token', { profileId: 7, roles }, nowMs / 1000 + 60);
    roles.push('admin');
    const principal = known.principalOf('token')!;
    expect(principal.roles).toEqual(['player']);
    expect(() => (principal.roles as string[]).push('admin')).toThrow(
      TypeError,
    );
    expect(() => {
      (principal as { profileId: number }).profileId = 8;
    }).toThrow(TypeError);
  });
});
