import { createHash } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { requestFingerprint } from '../../src/economy/http/idempotency-header';
import { WalletService } from '../../src/economy/wallets/wallet.service';
import {
  createHttpTestApp,
  TEST_JWT_SECRET,
  type HttpTestApp,
} from '../support/http-test-app';

const PROBLEM_JSON = /^application\/problem\+json/;

/** A token with `alg: none`: no signature at all. */
function unsigned(claims: object): string {
  const part = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

describe('REST API', () => {
  let t: HttpTestApp;
  let alice: Profile;
  let bob: Profile;
  let operator: Profile;
  let aliceToken: string;
  let bobToken: string;
  let serviceToken: string;
  let adminToken: string;

  const http = () => request(t.app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const counts = async () => {
    const [row]: {
      ledger: string;
      wallets: string;
      profiles: string;
      keys: string;
    }[] = await t.dataSource.query(
      `SELECT (SELECT count(*) FROM wallet_transactions) AS ledger,
                (SELECT count(*) FROM wallets) AS wallets,
                (SELECT count(*) FROM profiles) AS profiles,
                (SELECT count(*) FROM idempotency_keys) AS keys`,
    );
    return row;
  };
  const expectProblem = (
    response: request.Response,
    status: number,
    code: string,
  ) => {
    expect({
      status: response.status,
      code: (response.body as { code?: string }).code,
    }).toEqual({
      status,
      code,
    });
    expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(response.body).toEqual({
      type: expect.stringMatching(/^urn:deltacrown:problem:/),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code,
    });
  };

  beforeAll(async () => {
    t = await createHttpTestApp();
    [alice, bob, operator] = [
      await t.createProfile(),
      await t.createProfile(),
      await t.createProfile(),
    ];
    aliceToken = t.token(alice.id, ['player']);
    bobToken = t.token(bob.id, ['player']);
    serviceToken = t.token(operator.id, ['service']);
    adminToken = t.token(operator.id, ['admin']);
  });
  afterAll(() => t.close());

  describe('authentication', () => {
    it.each([
      ['no Authorization header', {}],
      ['a non-bearer scheme', { Authorization: 'Basic YTpi' }],
      ['a malformed token', { Authorization: 'Bearer not.a.jwt' }],
    ])('answers 401 to %s', async (_, headers) => {
      expectProblem(
        await http().get(`/wallets/${alice.id}`).set(headers),
        401,
        'UNAUTHORIZED',
      );
    });

    it('takes the scheme in any case, as RFC 9110 has it', async () => {
      for (const scheme of ['bearer', 'BEARER']) {
        const response = await http()
          .get(`/wallets/${alice.id}`)
          .set('Authorization', `${scheme} ${aliceToken}`);
        expect(response.status).toBe(200);
      }
    });

    it('answers 401 to an expired token, a foreign signature and bad claims', async () => {
      const foreign = new JwtService({
        secret: 'another-secret-'.padEnd(40, 'y'),
      });
      const own = new JwtService({ secret: TEST_JWT_SECRET });
      const tokens = [
        t.token(alice.id, ['player'], -10),
        new JwtService({ secret: TEST_JWT_SECRET }).sign({
          sub: String(alice.id),
          roles: ['admin'],
        }),
        foreign.sign({ sub: String(alice.id), roles: ['admin'] }),
        own.sign({ sub: alice.id, roles: ['player'] }),
        own.sign({ sub: String(alice.id), roles: ['root'] }),
        own.sign({ sub: 'abc', roles: ['admin'] }),
        own.sign({ sub: '0x1', roles: ['admin'] }),
        own.sign(
          { sub: String(alice.id), roles: ['player'] },
          { noTimestamp: true },
        ),
        own.sign(
          { sub: String(alice.id), roles: ['admin'] },
          { algorithm: 'HS512' },
        ),
        unsigned({
          sub: String(alice.id),
          roles: ['admin'],
          exp: Math.floor(Date.now() / 1000) + 60,
        }),
      ];
      for (const token of tokens) {
        expectProblem(
          await http().get(`/wallets/${alice.id}`).set(bearer(token)),
          401,
          'UNAUTHORIZED',
        );
      }
    });

    it('answers 403 to a valid token that allows nothing (no roles), even on its own profile', async () => {
      const none = new JwtService({ secret: TEST_JWT_SECRET }).sign(
        { sub: String(alice.id), roles: [] },
        { expiresIn: 60 },
      );
      for (const call of [
        () => http().get(`/wallets/${alice.id}`),
        () => http().get(`/wallets/${alice.id}/transactions`),
        () => http().post('/profiles').send({ username: 'x', email: 'x@y.z' }),
      ]) {
        expectProblem(await call().set(bearer(none)), 403, 'FORBIDDEN');
      }
    });

    it('refuses a token once it expires, though it was accepted (and remembered) before', async () => {
      const token = t.token(alice.id, ['player'], 2);
      const { exp } = new JwtService().decode<{ exp: number }>(token);
      const read = () => http().get(`/wallets/${alice.id}`).set(bearer(token));
      expect((await read()).status).toBe(200);
      expect((await read()).status).toBe(200);
      await new Promise((resolve) =>
        setTimeout(resolve, exp * 1000 - Date.now() + 10),
      );
      expectProblem(await read(), 401, 'UNAUTHORIZED');
    });

    it('lets anyone read /health and /docs without a token', async () => {
      expect((await http().get('/health')).status).toBe(200);
      expect((await http().get('/docs')).status).toBe(200);
    });
  });

  describe('profiles', () => {
    it('creates a profile for a service and answers with its id and username only', async () => {
      const response = await http()
        .post('/profiles')
        .set(bearer(serviceToken))
        .send({ username: 'nova_07', email: 'nova@example.com' });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.any(Number),
        username: 'nova_07',
      });
      const again = await http()
        .post('/profiles')
        .set(bearer(adminToken))
        .send({ username: 'nova_07', email: 'other@example.com' });
      expectProblem(again, 409, 'VALIDATION_FAILED');
      expect(again.text).not.toContain('nova');
    });

    it('refuses a player', async () => {
      expectProblem(
        await http()
          .post('/profiles')
          .set(bearer(aliceToken))
          .send({ username: 'x_y_z', email: 'x@example.com' }),
        403,
        'FORBIDDEN',
      );
    });
  });

  describe('wallets', () => {
    it('shows a wallet to its owner, a service and an admin, not to another player', async () => {
      const empty = await http()
        .get(`/wallets/${bob.id}`)
        .set(bearer(bobToken));
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual({
        profileId: bob.id,
        walletId: null,
        balance: 0,
        held: 0,
        available: 0,
        allowOverdraft: false,
      });
      expect(
        (await http().get(`/wallets/${bob.id}`).set(bearer(serviceToken)))
          .status,
      ).toBe(200);
      const bobsWallet = await http()
        .get(`/wallets/${bob.id}`)
        .set(bearer(adminToken));
      expect(bobsWallet.status).toBe(200);
      // A trailing slash names the same route.
      const withSlash = await http()
        .get(`/wallets/${bob.id}/`)
        .set(bearer(adminToken));
      expect(withSlash.status).toBe(200);
      expect(withSlash.body).toEqual(bobsWallet.body);
      expectProblem(
        await http().get(`/wallets/${bob.id}`).set(bearer(aliceToken)),
        403,
        'FORBIDDEN',
      );
      expectProblem(
        await http()
          .get(`/wallets/${bob.id}/transactions`)
          .set(bearer(aliceToken)),
        403,
        'FORBIDDEN',
      );
      expectProblem(
        await http().get('/wallets/987654').set(bearer(serviceToken)),
        404,
        'NOT_FOUND',
      );
    });

    it('credits and debits for services and admins only', async () => {
      const credit = await http()
        .post(`/wallets/${alice.id}/credit`)
        .set(bearer(serviceToken))
        .send({ amount: 500, reason: 'WINNER', meta: { tournamentId: 3 } });
      expect(credit.status).toBe(201);
      expect(credit.body).toEqual({
        walletId: expect.any(Number),
        balanceAfter: 500,
        transactionId: expect.any(Number),
        idempotencyKey: null,
      });
      const debit = await http()
        .post(`/wallets/${alice.id}/debit`)
        .set(bearer(adminToken))
        .send({ amount: 100, reason: 'PURCHASE' });
      expect(debit.status).toBe(201);
      expect(debit.body).toMatchObject({ balanceAfter: 400 });
      expectProblem(
        await http()
          .post(`/wallets/${alice.id}/credit`)
          .set(bearer(aliceToken))
          .send({ amount: 5, reason: 'WINNER' }),
        403,
        'FORBIDDEN',
      );
      expectProblem(
        await http()
          .post(`/wallets/${alice.id}/debit`)
          .set(bearer(serviceToken))
          .send({ amount: 401, reason: 'PURCHASE' }),
        422,
        'INSUFFICIENT_FUNDS',
      );
      expectProblem(
        await http()
          .post('/wallets/987654/credit')
          .set(bearer(serviceToken))
          .send({ amount: 5, reason: 'WINNER' }),
        404,
        'NOT_FOUND',
      );
    });

    it('changes the overdraft flag for admins only', async () => {
      expectProblem(
        await http()
          .patch(`/wallets/${bob.id}`)
          .set(bearer(serviceToken))
          .send({ allowOverdraft: true }),
        403,
        'FORBIDDEN',
      );
      const allowed = await http()
        .patch(`/wallets/${bob.id}`)
        .set(bearer(adminToken))
        .send({ allowOverdraft: true });
      expect(allowed.status).toBe(200);
      expect(allowed.body).toMatchObject({
        profileId: bob.id,
        balance: 0,
        allowOverdraft: true,
      });
      await http()
        .post(`/wallets/${bob.id}/debit`)
        .set(bearer(serviceToken))
        .send({ amount: 5, reason: 'PURCHASE' });
      expectProblem(
        await http()
          .patch(`/wallets/${bob.id}`)
          .set(bearer(adminToken))
          .send({ allowOverdraft: false }),
        422,
        'INSUFFICIENT_FUNDS',
      );
      await http()
        .post(`/wallets/${bob.id}/credit`)
        .set(bearer(serviceToken))
        .send({ amount: 5, reason: 'REFUND' });
      const back = await http()
        .patch(`/wallets/${bob.id}`)
        .set(bearer(adminToken))
        .send({ allowOverdraft: false });
      expect(back.body).toMatchObject({ balance: 0, allowOverdraft: false });
    });

    it('pages the history newest first with a cursor, ending with a null cursor', async () => {
      const [carol] = [await t.createProfile()];
      for (let i = 1; i <= 5; i++) {
        await http()
          .post(`/wallets/${carol.id}/credit`)
          .set(bearer(serviceToken))
          .send({ amount: i, reason: 'TOP4' });
      }
      const token = t.token(carol.id, ['player']);
      const first = await http()
        .get(`/wallets/${carol.id}/transactions?limit=2`)
        .set(bearer(token));
      expect(first.status).toBe(200);
      const amounts = (page: request.Response) =>
        (page.body as { items: { amount: number }[] }).items.map(
          (item) => item.amount,
        );
      expect(amounts(first)).toEqual([5, 4]);
      expect(first.body.items[0]).toEqual({
        id: expect.any(Number),
        amount: 5,
        balanceAfter: 15,
        reason: 'TOP4',
        createdAt: expect.any(String),
        idempotencyKey: null,
        meta: {},
      });
      const second = await http()
        .get(
          `/wallets/${carol.id}/transactions?limit=2&cursor=${first.body.nextCursor}`,
        )
        .set(bearer(token));
      expect(amounts(second)).toEqual([3, 2]);
      const last = await http()
        .get(
          `/wallets/${carol.id}/transactions?limit=2&cursor=${second.body.nextCursor}`,
        )
        .set(bearer(token));
      expect(last.body).toMatchObject({
        items: [{ amount: 1 }],
        nextCursor: null,
      });
      const exact = await http()
        .get(`/wallets/${carol.id}/transactions?limit=5`)
        .set(bearer(token));
      expect(exact.body.nextCursor).toBeNull();
      expect(exact.body.items).toHaveLength(5);
    });
  });

  it('answers a player 400, not 403, for a malformed id it might own', async () => {
    expectProblem(
      await http().get('/wallets/abc').set(bearer(aliceToken)),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await http()
        .post('/transfers')
        .set(bearer(aliceToken))
        .send({ fromProfileId: 'me', toProfileId: bob.id, amount: 1 }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('refuses a player every route reserved to services and admins', async () => {
    const calls = [
      http()
        .post(`/wallets/${alice.id}/debit`)
        .send({ amount: 1, reason: 'PURCHASE' }),
      http()
        .post(`/wallets/${alice.id}/credit`)
        .send({ amount: 1, reason: 'WINNER' }),
      http().patch(`/wallets/${alice.id}`).send({ allowOverdraft: true }),
      http()
        .post('/profiles')
        .send({ username: 'sneaky', email: 's@example.com' }),
    ];
    for (const call of calls) {
      expectProblem(await call.set(bearer(aliceToken)), 403, 'FORBIDDEN');
    }
    expectProblem(
      await http()
        .patch(`/wallets/${alice.id}`)
        .set(bearer(serviceToken))
        .send({ allowOverdraft: true }),
      403,
      'FORBIDDEN',
    );
  });

  describe('transfers', () => {
    it('lets a player transfer from its own wallet only, and shows it its own side only', async () => {
      const own = await http().post('/transfers').set(bearer(aliceToken)).send({
        fromProfileId: alice.id,
        toProfileId: bob.id,
        amount: 40,
        reason: 'PURCHASE',
      });
      expect(own.status).toBe(201);
      // Bob's wallet, balance and ledger row are Bob's.
      expect(own.body).toEqual({
        fromWalletId: expect.any(Number),
        fromBalanceAfter: 360,
        debitTransactionId: expect.any(Number),
        idempotencyKey: null,
      });
      expectProblem(
        await http()
          .post('/transfers')
          .set(bearer(bobToken))
          .send({ fromProfileId: alice.id, toProfileId: bob.id, amount: 1 }),
        403,
        'FORBIDDEN',
      );
      const platform = await http()
        .post('/transfers')
        .set(bearer(serviceToken))
        .send({ fromProfileId: bob.id, toProfileId: alice.id, amount: 1 });
      expect(platform.status).toBe(201);
      expect(platform.body).toEqual({
        fromWalletId: expect.any(Number),
        toWalletId: (own.body as { fromWalletId: number }).fromWalletId,
        fromBalanceAfter: 39,
        toBalanceAfter: 361,
        debitTransactionId: expect.any(Number),
        creditTransactionId: expect.any(Number),
        idempotencyKey: null,
      });
    });

    it('answers 422 to a self-transfer and to missing funds, 404 to an unknown profile', async () => {
      expectProblem(
        await http()
          .post('/transfers')
          .set(bearer(aliceToken))
          .send({ fromProfileId: alice.id, toProfileId: alice.id, amount: 1 }),
        422,
        'INVALID_WALLET',
      );
      expectProblem(
        await http().post('/transfers').set(bearer(aliceToken)).send({
          fromProfileId: alice.id,
          toProfileId: bob.id,
          amount: 1_000_000,
        }),
        422,
        'INSUFFICIENT_FUNDS',
      );
      expectProblem(
        await http()
          .post('/transfers')
          .set(bearer(aliceToken))
          .send({ fromProfileId: alice.id, toProfileId: 987654, amount: 1 }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('Idempotency-Key', () => {
    it('shows callers the key they sent, in answers and in history, while the ledger keeps it scoped', async () => {
      const transfer = await http()
        .post('/transfers')
        .set(bearer(serviceToken))
        .set('Idempotency-Key', 'shown-as-sent')
        .send({ fromProfileId: alice.id, toProfileId: bob.id, amount: 1 });
      expect(transfer.body).toMatchObject({ idempotencyKey: 'shown-as-sent' });
      for (const [profile, token] of [
        [alice, aliceToken],
        [bob, serviceToken],
      ] as const) {
        const history = await http()
          .get(`/wallets/${profile.id}/transactions?limit=1`)
          .set(bearer(token));
        expect(history.body.items[0]).toMatchObject({
          idempotencyKey: 'shown-as-sent',
        });
      }
      const stored = await t.dataSource.query<{ idempotency_key: string }[]>(
        'SELECT idempotency_key FROM wallet_transactions WHERE id = $1',
        [(transfer.body as { debitTransactionId: number }).debitTransactionId],
      );
      expect(stored[0].idempotency_key).toMatch(/^http:[\w-]{43}$/);
    });

    it('replays the original status and body with Idempotent-Replayed, and refuses another body', async () => {
      const send = (body: object) =>
        http()
          .post(`/wallets/${alice.id}/credit`)
          .set(bearer(serviceToken))
          .set('Idempotency-Key', `credit-${alice.id}-1`)
          .send(body);
      const first = await send({
        amount: 10,
        reason: 'WINNER',
        meta: { round: 1 },
      });
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const replay = await send({
        meta: { round: 1 },
        reason: 'WINNER',
        amount: 10,
      });
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
      expectProblem(
        await send({ amount: 10, reason: 'WINNER', meta: { round: 2 } }),
        409,
        'IDEMPOTENCY_CONFLICT',
      );
      expectProblem(
        await send({ amount: 11, reason: 'WINNER', meta: { round: 1 } }),
        409,
        'IDEMPOTENCY_CONFLICT',
      );
      const debitWithSameKey = await http()
        .post(`/wallets/${alice.id}/debit`)
        .set(bearer(serviceToken))
        .set('Idempotency-Key', `credit-${alice.id}-1`)
        .send({ amount: 10, reason: 'WINNER', meta: { round: 1 } });
      expectProblem(debitWithSameKey, 409, 'IDEMPOTENCY_CONFLICT');
    });

    it('scopes keys to the caller: the same key from two callers is two movements', async () => {
      const otherService = t.token(bob.id, ['service']);
      const send = (token: string) =>
        http()
          .post(`/wallets/${alice.id}/credit`)
          .set(bearer(token))
          .set('Idempotency-Key', 'shared-key')
          .send({ amount: 2, reason: 'WINNER' });
      const mine = await send(serviceToken);
      const theirs = await send(otherService);
      expect([mine.status, theirs.status]).toEqual([201, 201]);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(theirs.body.transactionId).not.toBe(mine.body.transactionId);
      expect([mine.body.idempotencyKey, theirs.body.idempotencyKey]).toEqual([
        'shared-key',
        'shared-key',
      ]);
      const replay = await send(otherService);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(theirs.body);
    });

    it('tells bodies apart by meta members named like methods of Object.prototype', async () => {
      const send = (meta: object) =>
        http()
          .post(`/wallets/${alice.id}/credit`)
          .set(bearer(serviceToken))
          .set('Idempotency-Key', `meta-methods-${alice.id}`)
          .send({ amount: 3, reason: 'WINNER', meta });
      expect((await send({ note: 'a' })).status).toBe(201);
      expectProblem(
        await send({ note: 'a', hasOwnProperty: 'other' }),
        409,
        'IDEMPOTENCY_CONFLICT',
      );
    });

    it('still replays a platform key stored before players had a scope of their own', async () => {
      const body = { amount: 4, reason: 'WINNER' };
      // What the controller stored for a service's key until then: a digest
      // of the token's sub and the key.
      const digest = createHash('sha256')
        .update(`${operator.id}\nbefore-scopes`)
        .digest('base64url');
      await t.app.get(WalletService).credit(alice.id, 4, {
        reason: 'WINNER',
        idempotencyKey: `http:${digest}`,
        requestFingerprint: requestFingerprint(`credit ${alice.id}`, body),
      });
      const retry = await http()
        .post(`/wallets/${alice.id}/credit`)
        .set(bearer(serviceToken))
        .set('Idempotency-Key', 'before-scopes')
        .send(body);
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
    });

    it('keeps a player and a service apart when their tokens name the same id', async () => {
      // A service token's sub names the calling service, in the same number
      // space as players' profile ids.
      const serviceAsAlice = t.token(alice.id, ['service']);
      const playerMove = await http()
        .post('/transfers')
        .set(bearer(aliceToken))
        .set('Idempotency-Key', 'payout-42')
        .send({ fromProfileId: alice.id, toProfileId: bob.id, amount: 1 });
      expect(playerMove.status).toBe(201);
      const serviceMove = await http()
        .post(`/wallets/${bob.id}/credit`)
        .set(bearer(serviceAsAlice))
        .set('Idempotency-Key', 'payout-42')
        .send({ amount: 100, reason: 'WINNER' });
      expect(serviceMove.status).toBe(201);
      expect(serviceMove.headers['idempotent-replayed']).toBeUndefined();
    });

    it('turns 20 concurrent identical transfers with one key into one movement', async () => {
      const before = await counts();
      const body = { fromProfileId: alice.id, toProfileId: bob.id, amount: 3 };
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          http()
            .post('/transfers')
            .set(bearer(aliceToken))
            .set('Idempotency-Key', `burst-${alice.id}`)
            .send(body),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
      expect(new Set(responses.map((r) => JSON.stringify(r.body))).size).toBe(
        1,
      );
      expect(
        responses.filter((r) => r.headers['idempotent-replayed'] === 'true'),
      ).toHaveLength(19);
      const after = await counts();
      expect(Number(after.ledger) - Number(before.ledger)).toBe(2);
    });
  });

  describe('malformed requests', () => {
    const big = 'x'.repeat(17 * 1024);
    type Case = [
      string,
      {
        method?: 'post' | 'get' | 'patch';
        path?: string;
        body?: string;
        type?: string;
        headers?: Record<string, string>;
        status?: number;
        code?: string;
      },
    ];
    const credit = (body: string, extra: Partial<Case[1]> = {}): Case[1] => ({
      body,
      ...extra,
    });
    const cases: Case[] = [
      [
        'amount as a string',
        credit('{"amount":"10","reason":"WINNER"}', { code: 'INVALID_AMOUNT' }),
      ],
      [
        'amount zero',
        credit('{"amount":0,"reason":"WINNER"}', { code: 'INVALID_AMOUNT' }),
      ],
      [
        'amount negative',
        credit('{"amount":-5,"reason":"WINNER"}', { code: 'INVALID_AMOUNT' }),
      ],
      [
        'amount fractional',
        credit('{"amount":1.5,"reason":"WINNER"}', { code: 'INVALID_AMOUNT' }),
      ],
      [
        'amount beyond 2^53',
        credit('{"amount":9007199254740992,"reason":"WINNER"}', {
          code: 'INVALID_AMOUNT',
        }),
      ],
      [
        'amount 1e400',
        credit('{"amount":1e400,"reason":"WINNER"}', {
          code: 'INVALID_AMOUNT',
        }),
      ],
      [
        'amount with 30 digits',
        credit('{"amount":999999999999999999999999999999,"reason":"WINNER"}', {
          code: 'INVALID_AMOUNT',
        }),
      ],
      [
        'amount null',
        credit('{"amount":null,"reason":"WINNER"}', { code: 'INVALID_AMOUNT' }),
      ],
      [
        'amount missing',
        credit('{"reason":"WINNER"}', { code: 'INVALID_AMOUNT' }),
      ],
      [
        'amount as an array',
        credit('{"amount":[10],"reason":"WINNER"}', { code: 'INVALID_AMOUNT' }),
      ],
      [
        'amount as an object',
        credit('{"amount":{"value":10},"reason":"WINNER"}', {
          code: 'INVALID_AMOUNT',
        }),
      ],
      [
        'an amount JSON.parse would round to a whole number',
        credit('{"amount":10.0000000000000001,"reason":"WINNER"}', {
          code: 'INVALID_AMOUNT',
        }),
      ],
      [
        'an amount in exponent notation',
        credit('{"amount":1e1,"reason":"WINNER"}', { code: 'INVALID_AMOUNT' }),
      ],
      [
        'a profile id JSON.parse would round to a whole number',
        {
          path: '/transfers',
          body: '{"fromProfileId":1.0000000000000001,"toProfileId":2,"amount":1}',
        },
      ],
      [
        'amount as a boolean',
        credit('{"amount":true,"reason":"WINNER"}', { code: 'INVALID_AMOUNT' }),
      ],
      ['reason missing', credit('{"amount":10}')],
      ['reason outside the set', credit('{"amount":10,"reason":"JACKPOT"}')],
      ['reason in lower case', credit('{"amount":10,"reason":"winner"}')],
      [
        'reason reserved for transfers',
        credit('{"amount":10,"reason":"TRANSFER_IN"}'),
      ],
      [
        'SQL injection in reason',
        credit(`{"amount":10,"reason":"WINNER'; DROP TABLE wallets; --"}`),
      ],
      [
        'a 5000-character reason',
        credit(`{"amount":10,"reason":"${'W'.repeat(5000)}"}`),
      ],
      [
        'an unknown field',
        credit('{"amount":10,"reason":"WINNER","bonus":true}'),
      ],
      [
        'meta as an array',
        credit('{"amount":10,"reason":"WINNER","meta":[1]}'),
      ],
      [
        'meta as a string',
        credit('{"amount":10,"reason":"WINNER","meta":"note"}'),
      ],
      [
        'meta over 4 KiB',
        credit(
          `{"amount":10,"reason":"WINNER","meta":{"note":"${'n'.repeat(4200)}"}}`,
        ),
      ],
      [
        'meta holding a NUL character',
        credit('{"amount":10,"reason":"WINNER","meta":{"note":"a\\u0000b"}}'),
      ],
      ['broken JSON', credit('{"amount":10,')],
      ['JSON with unquoted keys', credit('{amount:10}')],
      ['a JSON string instead of an object', credit('"credit me"')],
      [
        'a JSON array instead of an object',
        credit('[{"amount":10,"reason":"WINNER"}]'),
      ],
      ['an empty JSON body', credit('{}', { code: 'INVALID_AMOUNT' })],
      ['JSON null instead of an object', credit('null')],
      [
        'a body declared JSON but empty (read as {})',
        credit('', { code: 'INVALID_AMOUNT' }),
      ],
      [
        'a __proto__ key (prototype poisoning)',
        credit(
          '{"amount":10,"reason":"WINNER","__proto__":{"roles":["admin"]}}',
        ),
      ],
      ['text/plain', credit('amount=10', { type: 'text/plain', status: 415 })],
      [
        'a form body',
        credit('amount=10&reason=WINNER', {
          type: 'application/x-www-form-urlencoded',
          status: 415,
        }),
      ],
      [
        'a body over 16 KiB',
        credit(`{"amount":10,"reason":"WINNER","meta":{"note":"${big}"}}`, {
          status: 413,
        }),
      ],
      [
        'a profile id that is not a number',
        {
          path: '/wallets/abc/credit',
          body: '{"amount":10,"reason":"WINNER"}',
        },
      ],
      [
        'a 120-digit profile id (over the router limit)',
        {
          path: `/wallets/${'9'.repeat(120)}/credit`,
          body: '{"amount":10,"reason":"WINNER"}',
          status: 414,
        },
      ],
      [
        'bad percent-encoding in the path',
        {
          path: '/wallets/%ZZ/credit',
          body: '{"amount":10,"reason":"WINNER"}',
        },
      ],
      [
        'a profile id of zero',
        { path: '/wallets/0/credit', body: '{"amount":10,"reason":"WINNER"}' },
      ],
      [
        'a negative profile id',
        { path: '/wallets/-1/credit', body: '{"amount":10,"reason":"WINNER"}' },
      ],
      [
        'a fractional profile id',
        {
          path: '/wallets/1.5/credit',
          body: '{"amount":10,"reason":"WINNER"}',
        },
      ],
      [
        'a 20-digit profile id',
        {
          path: '/wallets/99999999999999999999/credit',
          body: '{"amount":10,"reason":"WINNER"}',
        },
      ],
      [
        'SQL injection in the path',
        {
          path: '/wallets/1%20OR%201%3D1/credit',
          body: '{"amount":10,"reason":"WINNER"}',
        },
      ],
      [
        'an Idempotency-Key of 256 characters',
        credit('{"amount":10,"reason":"WINNER"}', {
          headers: { 'Idempotency-Key': 'k'.repeat(256) },
        }),
      ],
      [
        'a transfer with a string profile id',
        {
          path: '/transfers',
          body: '{"fromProfileId":"1","toProfileId":2,"amount":1}',
        },
      ],
      [
        'a transfer without a recipient',
        { path: '/transfers', body: '{"fromProfileId":1,"amount":1}' },
      ],
      [
        'a transfer to profile 0',
        {
          path: '/transfers',
          body: '{"fromProfileId":1,"toProfileId":0,"amount":1}',
        },
      ],
      [
        'a history limit of 0',
        { method: 'get', path: '/wallets/ALICE/transactions?limit=0' },
      ],
      [
        'a history limit of 201',
        { method: 'get', path: '/wallets/ALICE/transactions?limit=201' },
      ],
      [
        'a history limit that is not a number',
        { method: 'get', path: '/wallets/ALICE/transactions?limit=ten' },
      ],
      [
        'a history limit in hexadecimal',
        { method: 'get', path: '/wallets/ALICE/transactions?limit=0x10' },
      ],
      [
        'a history limit in exponent notation',
        { method: 'get', path: '/wallets/ALICE/transactions?limit=1e2' },
      ],
      [
        'a history limit with a leading space',
        { method: 'get', path: '/wallets/ALICE/transactions?limit=%205' },
      ],
      [
        'a history cursor that is not an id',
        { method: 'get', path: '/wallets/ALICE/transactions?cursor=-1' },
      ],
      [
        'an unknown query parameter',
        { method: 'get', path: '/wallets/ALICE/transactions?sort=asc' },
      ],
      [
        'an overdraft flag as a string',
        {
          method: 'patch',
          path: '/wallets/ALICE',
          body: '{"allowOverdraft":"yes"}',
        },
      ],
      [
        'an empty overdraft change',
        { method: 'patch', path: '/wallets/ALICE', body: '{}' },
      ],
      [
        'a profile with an invalid email',
        {
          path: '/profiles',
          body: '{"username":"valid_name","email":"not-an-email"}',
        },
      ],
      [
        'a profile username with spaces',
        {
          path: '/profiles',
          body: '{"username":"two words","email":"a@example.com"}',
        },
      ],
      [
        'a profile username of 40 characters',
        {
          path: '/profiles',
          body: `{"username":"${'u'.repeat(40)}","email":"a@example.com"}`,
        },
      ],
      [
        'a profile with an extra field',
        {
          path: '/profiles',
          body: '{"username":"valid_name","email":"a@example.com","role":"admin"}',
        },
      ],
      // class-transformer skips members named like Object.prototype's
      // methods: they must still count as unknown fields.
      [
        'an unknown field named toString',
        credit('{"amount":1,"reason":"WINNER","toString":"x"}'),
      ],
      [
        'a transfer with an unknown field named valueOf',
        {
          path: '/transfers',
          body: '{"fromProfileId":1,"toProfileId":2,"amount":1,"valueOf":5}',
        },
      ],
      [
        'tournament prizes with an unknown field named valueOf',
        {
          path: '/tournaments',
          body: '{"name":"Cup","participationCoins":1,"prizes":{"WINNER":3,"RUNNER_UP":2,"TOP4":1,"valueOf":1}}',
        },
      ],
      [
        'a history query with an unknown parameter named toString',
        { method: 'get', path: '/wallets/ALICE/transactions?toString=1' },
      ],
      [
        'a history query with a parameter named constructor',
        { method: 'get', path: '/wallets/ALICE/transactions?constructor=1' },
      ],
      [
        'a history query with a parameter named __proto__',
        { method: 'get', path: '/wallets/ALICE/transactions?__proto__=1' },
      ],
      [
        'an email holding a lone surrogate',
        {
          path: '/profiles',
          body: '{"username":"valid_name","email":"someone@ex\\ud800ample.com"}',
        },
      ],
      [
        'a meta member name holding a lone surrogate',
        credit('{"amount":1,"reason":"WINNER","meta":{"\\udc00":1}}'),
      ],
      // ValidationPipe would delete these members, even inside meta.
      [
        'a meta member named constructor',
        credit(
          '{"amount":1,"reason":"WINNER","meta":{"a":{"constructor":"x"}}}',
        ),
      ],
      [
        'a member named prototype',
        credit('{"amount":1,"reason":"WINNER","prototype":{}}'),
      ],
      [
        'a tournament name holding a NUL',
        {
          path: '/tournaments',
          body: '{"name":"a\\u0000b","participationCoins":1,"prizes":{"WINNER":3,"RUNNER_UP":2,"TOP4":1}}',
        },
      ],
    ];

    it('takes fractions and exponents inside meta, which is free-form', async () => {
      const response = await http()
        .post(`/wallets/${alice.id}/credit`)
        .set(bearer(adminToken))
        .set('Content-Type', 'application/json')
        .send('{"amount":3,"reason":"WINNER","meta":{"odds":1.5,"big":1e3}}');
      expect(response.status).toBe(201);
      const [{ meta }] = await t.dataSource.query<{ meta: object }[]>(
        'SELECT meta FROM wallet_transactions WHERE id = $1',
        [(response.body as { transactionId: number }).transactionId],
      );
      expect(meta).toEqual({ odds: 1.5, big: 1000 });
    });

    it('keeps meta members named like methods of Object.prototype, at any depth', async () => {
      const meta = {
        toString: 'a',
        valueOf: 1,
        nested: { hasOwnProperty: 2, isPrototypeOf: [{ toString: 3 }] },
      };
      const response = await http()
        .post(`/wallets/${alice.id}/credit`)
        .set(bearer(adminToken))
        .send({ amount: 3, reason: 'WINNER', meta });
      expect(response.status).toBe(201);
      const [stored] = await t.dataSource.query<{ meta: object }[]>(
        'SELECT meta FROM wallet_transactions WHERE id = $1',
        [(response.body as { transactionId: number }).transactionId],
      );
      expect(stored.meta).toEqual(meta);
    });

    it('refuses a body that is not UTF-8 instead of replacing its bytes', async () => {
      const before = await counts();
      const body = Buffer.concat([
        Buffer.from('{"amount":1,"reason":"WINNER","meta":{"note":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}}'),
      ]);
      const response = await http()
        .post(`/wallets/${alice.id}/credit`)
        .set(bearer(adminToken))
        .set('Content-Type', 'application/json')
        // As they are: superagent would write a Buffer out as JSON.
        .serialize((bytes: Buffer) => bytes as unknown as string)
        .send(body);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect((response.body as { detail: string }).detail).toMatch(/UTF-8/);
      expect(await counts()).toEqual(before);
    });

    it(`answers each of ${cases.length} malformed requests with 4xx problem JSON and writes nothing`, async () => {
      expect(cases.length).toBeGreaterThanOrEqual(30);
      const before = await counts();
      const outcomes: {
        name: string;
        status: number;
        code: string;
        problem: boolean;
      }[] = [];
      for (const [name, spec] of cases) {
        const path = (spec.path ?? '/wallets/ALICE/credit').replace(
          'ALICE',
          String(alice.id),
        );
        const method = spec.method ?? 'post';
        let call = http()
          [method](path)
          .set(bearer(adminToken))
          .set(spec.headers ?? {});
        if (spec.body !== undefined) {
          call = call
            .set('Content-Type', spec.type ?? 'application/json')
            .send(spec.body);
        }
        const response = await call;
        outcomes.push({
          name,
          status: response.status,
          code:
            (JSON.parse(response.text || '{}') as { code?: string }).code ?? '',
          problem: PROBLEM_JSON.test(response.headers['content-type'] ?? ''),
        });
      }
      expect(outcomes).toEqual(
        cases.map(([name, spec]) => ({
          name,
          status: spec.status ?? 400,
          code: spec.code ?? 'VALIDATION_FAILED',
          problem: true,
        })),
      );
      expect(await counts()).toEqual(before);
    });
  });

  it('answers 500 without internals when something unexpected breaks', async () => {
    // Only the owner may; the service's role could not break it so.
    await t.database.asOwner((owner) =>
      owner.query(
        'ALTER TABLE wallet_transactions RENAME TO wallet_transactions_away',
      ),
    );
    try {
      const response = await http()
        .post(`/wallets/${alice.id}/credit`)
        .set(bearer(serviceToken))
        .send({ amount: 1, reason: 'WINNER' });
      expectProblem(response, 500, 'INTERNAL');
      expect(response.text).not.toMatch(
        /wallet_transactions|relation|SELECT|INSERT|at \w+ \(/,
      );
    } finally {
      await t.database.asOwner((owner) =>
        owner.query(
          'ALTER TABLE wallet_transactions_away RENAME TO wallet_transactions',
        ),
      );
    }
  });

  it('publishes an OpenAPI document listing every route, its auth and its errors', async () => {
    const response = await http().get('/docs-json');
    expect(response.status).toBe(200);
    const document = response.body as {
      paths: Record<
        string,
        Record<
          string,
          { security?: unknown[]; responses: Record<string, unknown> }
        >
      >;
      components: { securitySchemes: Record<string, unknown> };
    };
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /events',
        'GET /health',
        'GET /health/live',
        'GET /health/ready',
        'GET /wallets/{profileId}',
        'GET /wallets/{profileId}/transactions',
        'PATCH /wallets/{profileId}',
        'POST /profiles',
        'POST /transfers',
        'POST /wallets/{profileId}/credit',
        'POST /wallets/{profileId}/debit',
        'POST /tournaments',
        'POST /tournaments/{id}/registrations',
        'POST /registrations/{id}/verify-payment',
        'PUT /tournaments/{id}/placements',
        'POST /tournaments/{id}/payouts',
        'GET /tournaments/{id}/payouts',
        'POST /wallets/{profileId}/holds',
        'GET /holds/{id}',
        'POST /holds/{id}/capture',
        'POST /holds/{id}/release',
        'POST /shop/items',
        'PATCH /shop/items/{id}',
        'GET /shop/items',
        'POST /purchases',
        'GET /purchases/{id}',
        'POST /purchases/{id}/confirm',
        'POST /purchases/{id}/cancel',
        'POST /purchases/{id}/refund',
        'GET /wallets/{profileId}/purchases',
        'POST /promo/campaigns',
        'GET /promo/campaigns/{id}',
        'POST /promo/redemptions',
      ].sort(),
    );
    expect(document.components.securitySchemes).toHaveProperty('bearer');
    expect(Object.keys(document.paths['/health'].get.responses).sort()).toEqual(
      ['200', '503'],
    );
    // A route that takes a body can refuse it as too large or not JSON.
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (method !== 'get') {
          expect([path, method, Object.keys(operation.responses)]).toEqual([
            path,
            method,
            expect.arrayContaining(['413', '415']),
          ]);
        }
      }
    }
    for (const [path, method] of [
      ['/transfers', 'post'],
      ['/wallets/{profileId}/credit', 'post'],
      ['/wallets/{profileId}/debit', 'post'],
    ] as const) {
      expect(
        (
          document.paths[path][method].responses['201'] as {
            headers?: object;
          }
        ).headers,
      ).toHaveProperty('Idempotent-Replayed');
    }
    const transfer = document.paths['/transfers'].post;
    expect(transfer.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(transfer.responses)).toEqual(
      expect.arrayContaining([
        '201',
        '400',
        '401',
        '403',
        '404',
        '409',
        '422',
        '500',
      ]),
    );
  });
});
