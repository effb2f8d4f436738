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

  it('stays within its byte bound however large the tokens', () => {
    const known = tokens();
    const exp = nowMs / 1000 + 60;
    // 10,000 distinct tokens of 4 KB: 40 MB if every one were kept.
    for (let i = 0; i < 10_000; i++) {
      known.remember(`${i}:`.padEnd(4096, 'x'), alice, exp);
      expect(known.size.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    }
    expect(known.size.tokens).toBeGreaterThan(500);
    expect(known.size.tokens).toBeLessThan(1100);
    // The newest are the ones kept.
    expect(known.principalOf('9999:'.padEnd(4096, 'x'))).toEqual(alice);
    expect(known.principalOf('0:'.padEnd(4096, 'x'))).toBeUndefined();
  });

  it('verifies an oversized token every time rather than keep it', () => {
    const known = tokens();
    const huge = 'h'.repeat(15_000);
    expect(known.remember(huge, alice, nowMs / 1000 + 60)).toEqual(alice);
    expect(known.principalOf(huge)).toBeUndefined();
    expect(known.size).toEqual({ tokens: 0, bytes: 0 });
  });

  it('counts a token once, and gives its bytes back when it goes', () => {
    const known = tokens();
    const exp = nowMs / 1000 + 1;
    known.remember('token', alice, exp);
    const once = known.size.bytes;
    known.remember('token', alice, exp);
    expect(known.size).toEqual({ tokens: 1, bytes: once });
    nowMs += 1000;
    expect(known.principalOf('token')).toBeUndefined();
    expect(known.size).toEqual({ tokens: 0, bytes: 0 });
  });
});
