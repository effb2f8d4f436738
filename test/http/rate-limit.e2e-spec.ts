import request from 'supertest';
import type { Profile } from '../../src/economy/entities';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';

const LIMIT = 3;

describe('per-player request limit', () => {
  let t: HttpTestApp;
  let alice: Profile;
  let bob: Profile;

  beforeAll(async () => {
    t = await createHttpTestApp({ playerRequestsPerMinute: LIMIT });
    alice = await t.createProfile();
    bob = await t.createProfile();
  });
  afterAll(() => t.close());

  const getWallet = (profileId: number, token?: string) => {
    const call = request(t.app.getHttpServer()).get(`/wallets/${profileId}`);
    return token === undefined
      ? call
      : call.set('Authorization', `Bearer ${token}`);
  };

  it('counts a player across routes, then answers 429 problem JSON with Retry-After', async () => {
    const token = t.token(alice.id, ['player']);
    expect((await getWallet(alice.id, token)).status).toBe(200);
    const history = await request(t.app.getHttpServer())
      .get(`/wallets/${alice.id}/transactions`)
      .set('Authorization', `Bearer ${token}`);
    expect(history.status).toBe(200);
    expect(history.headers['x-ratelimit-remaining']).toBe('1');
    expect((await getWallet(alice.id, token)).status).toBe(200);

    const refused = await getWallet(alice.id, token);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(
      /^application\/problem\+json/,
    );
    expect(refused.body).toEqual({
      type: 'urn:deltacrown:problem:rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: expect.stringContaining(`at most ${LIMIT} a minute`),
      code: 'RATE_LIMITED',
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // A refused transfer moves nothing.
    const transfer = await request(t.app.getHttpServer())
      .post('/transfers')
      .set('Authorization', `Bearer ${token}`)
      .send({ fromProfileId: alice.id, toProfileId: bob.id, amount: 1 });
    expect(transfer.status).toBe(429);
    const [{ count }] = await t.dataSource.query<{ count: string }[]>(
      'SELECT count(*) FROM wallet_transactions',
    );
    expect(count).toBe('0');
  });

  it('limits each player on its own, whatever token it presents', async () => {
    const first = t.token(bob.id, ['player']);
    const second = t.token(bob.id, ['player'], 600);
    for (const token of [first, second, first]) {
      expect((await getWallet(bob.id, token)).status).toBe(200);
    }
    expect((await getWallet(bob.id, second)).status).toBe(429);
  });

  it('never limits services and admins, and counts no refused request', async () => {
    const carol = await t.createProfile();
    for (const roles of [
      ['service'],
      ['admin'],
      ['player', 'service'],
    ] as const) {
      const token = t.token(carol.id, [...roles]);
      for (let i = 0; i < LIMIT * 2; i++) {
        expect((await getWallet(carol.id, token)).status).toBe(200);
      }
    }
    // 401s and 403s happen before the count: a player refused them keeps
    // its whole allowance.
    const token = t.token(carol.id, ['player']);
    for (let i = 0; i < LIMIT * 2; i++) {
      expect((await getWallet(carol.id)).status).toBe(401);
      expect((await getWallet(alice.id, token)).status).toBe(403);
    }
    for (let i = 0; i < LIMIT; i++) {
      expect((await getWallet(carol.id, token)).status).toBe(200);
    }
    expect((await getWallet(carol.id, token)).status).toBe(429);
  });

  it('is off with a limit of 0', async () => {
    const unlimited = await createHttpTestApp({ playerRequestsPerMinute: 0 });
    try {
      const player = await unlimited.createProfile();
      const token = unlimited.token(player.id, ['player']);
      for (let i = 0; i < LIMIT * 3; i++) {
        const response = await request(unlimited.app.getHttpServer())
          .get(`/wallets/${player.id}`)
          .set('Authorization', `Bearer ${token}`);
        expect(response.status).toBe(200);
        expect(response.headers['x-ratelimit-limit']).toBeUndefined();
      }
    } finally {
      await unlimited.close();
    }
  });
});
