import request from 'supertest';
import type { Profile } from '../../src/profiles';
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
    // Retry-After is the only header: no fixed-window X-RateLimit-*.
    expect(history.headers['x-ratelimit-limit']).toBeUndefined();
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

    // A refused transfer moves nothing, though Alice could pay it.
    const credit = await request(t.app.getHttpServer())
      .post(`/wallets/${alice.id}/credit`)
      .set('Authorization', `Bearer ${t.token(alice.id, ['service'])}`)
      .send({ amount: 5, reason: 'WINNER' });
    expect(credit.status).toBe(201);
    const transfer = await request(t.app.getHttpServer())
      .post('/transfers')
      .set('Authorization', `Bearer ${token}`)
      .send({ fromProfileId: alice.id, toProfileId: bob.id, amount: 1 });
    expect(transfer.status).toBe(429);
    const ledger = await t.dataSource.query<{ amount: string }[]>(
      'SELECT amount FROM wallet_transactions ORDER BY id',
    );
    expect(ledger).toEqual([{ amount: '5' }]);
  });

  it('slides: a request counts for exactly a minute, and Retry-After says when the oldest leaves it', async () => {
    const dave = await t.createProfile();
    const token = t.token(dave.id, ['player'], 3600);
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now');
    const at = async (ms: number) => {
      clock.mockReturnValue(start + ms);
      const response = await getWallet(dave.id, token);
      return [response.status, response.headers['retry-after']];
    };
    try {
      expect(await at(0)).toEqual([200, undefined]);
      expect(await at(0)).toEqual([200, undefined]);
      expect(await at(30_000)).toEqual([200, undefined]);
      // Full until the first two leave the minute, 20 s later.
      expect(await at(40_000)).toEqual([429, '20']);
      expect(await at(59_999)).toEqual([429, '1']);
      // Refused requests did not count: both places free again.
      expect(await at(60_001)).toEqual([200, undefined]);
      expect(await at(60_001)).toEqual([200, undefined]);
      expect(await at(60_002)).toEqual([429, '30']);
    } finally {
      clock.mockRestore();
    }
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

  it('is documented in OpenAPI on exactly the routes a player may call', async () => {
    const response = await request(t.app.getHttpServer()).get('/docs-json');
    const paths = (
      response.body as {
        paths: Record<
          string,
          Record<string, { responses: Record<string, { headers?: object }> }>
        >;
      }
    ).paths;
    const limited = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => '429' in operation.responses)
        .map(([method, operation]) => {
          expect(operation.responses['429'].headers).toHaveProperty(
            'Retry-After',
          );
          return `${method.toUpperCase()} ${path}`;
        }),
    );
    expect(limited.sort()).toEqual([
      'GET /purchases/{id}',
      'GET /shop/items',
      'GET /wallets/{profileId}',
      'GET /wallets/{profileId}/purchases',
      'GET /wallets/{profileId}/transactions',
      'POST /promo/redemptions',
      'POST /purchases',
      'POST /purchases/{id}/cancel',
      'POST /tournaments/{id}/registrations',
      'POST /transfers',
    ]);
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
      }
    } finally {
      await unlimited.close();
    }
  });
});
