// What an attacker sends that no client library would: ids shaped as
// objects, bodies nested thousands deep, repeated headers, unknown methods,
// oversized headers, requests cut short. Each answers a 4xx problem+json
// (never a 500), and every response carries the security headers.
import { connect } from 'node:net';
import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { CapturingLogger } from '../support/capturing-logger';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';
import { rawExchange } from '../support/raw-http';

const PROBLEM_JSON = /^application\/problem\+json/;

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 3000) {
      throw new Error('condition never came true');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('crafted requests', () => {
  const logger = new CapturingLogger();
  let t: HttpTestApp;
  let port: number;
  let alice: Profile;
  let bob: Profile;
  let tournamentId: number;
  let aliceToken: string;
  let adminToken: string;

  const http = () => request(t.app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const expectProblem = (
    response: {
      status: number;
      headers: Record<string, string>;
      body: unknown;
    },
    status: number,
    code = 'VALIDATION_FAILED',
  ) => {
    const body =
      typeof response.body === 'string'
        ? (JSON.parse(response.body) as unknown)
        : response.body;
    expect({ status: response.status, body }).toEqual({
      status,
      body: expect.objectContaining({ status, code }),
    });
    expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  };
  const ledgerRows = async () =>
    Number(
      (
        await t.dataSource.query<{ n: string }[]>(
          'SELECT count(*) AS n FROM wallet_transactions',
        )
      )[0].n,
    );

  beforeAll(async () => {
    t = await createHttpTestApp({ logger });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    [alice, bob] = [await t.createProfile(), await t.createProfile()];
    aliceToken = t.token(alice.id, ['player']);
    adminToken = t.token(alice.id, ['admin']);
    const created = await http()
      .post('/tournaments')
      .set(bearer(adminToken))
      .send({
        name: 'crafted',
        participationCoins: 0,
        prizes: { WINNER: 0, RUNNER_UP: 0, TOP4: 0 },
      });
    tournamentId = (created.body as { id: number }).id;
    await http()
      .post(`/wallets/${alice.id}/credit`)
      .set(bearer(adminToken))
      .send({ amount: 100, reason: 'WINNER' });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    logger.lines.length = 0;
  });
  afterEach(() => {
    // Whatever the request, nothing is an unexpected error.
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it.each([
    ['an object with toString', { toString: 1 }],
    ['an object with valueOf', { valueOf: 1 }],
    ['an array', [1]],
    ['a fraction-free string', '1'],
    ['null', null],
  ])(
    "refuses a player's transfer whose fromProfileId is %s with a 400",
    async (_, fromProfileId) => {
      const response = await http()
        .post('/transfers')
        .set(bearer(aliceToken))
        .send({ fromProfileId, toProfileId: bob.id, amount: 1 });
      expectProblem(response, 400);
      expect(await ledgerRows()).toBe(1);
    },
  );

  it("refuses a player's registration whose profileId is an object with a 400", async () => {
    const response = await http()
      .post(`/tournaments/${tournamentId}/registrations`)
      .set(bearer(aliceToken))
      .send({ profileId: { toString: 1 } });
    expectProblem(response, 400);
  });

  it.each([
    ['objects', (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`],
    ['arrays', (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`],
  ])(
    'refuses a body nesting %s 2,000 levels deep with a 400',
    async (_, nest) => {
      const response = await http()
        .post(`/wallets/${alice.id}/credit`)
        .set(bearer(adminToken))
        .set('Content-Type', 'application/json')
        .send(`{"amount":1,"reason":"WINNER","meta":{"x":${nest(2000)}}}`);
      expectProblem(response, 400);
      expect((response.body as { detail: string }).detail).toMatch(/nest/);
      expect(await ledgerRows()).toBe(1);
    },
  );

  it('names a __proto__ member as such, not as invalid JSON', async () => {
    const response = await http()
      .post(`/wallets/${alice.id}/credit`)
      .set(bearer(adminToken))
      .set('Content-Type', 'application/json')
      .send('{"amount":1,"reason":"WINNER","meta":{"__proto__":{"x":1}}}');
    expectProblem(response, 400);
    expect((response.body as { detail: string }).detail).toBe(
      'meta.__proto__: members named __proto__, constructor or prototype are not allowed',
    );
  });

  it.each([
    ['Idempotency-Key', 400],
    ['Authorization', 400],
  ])('refuses a repeated %s header', async (header, status) => {
    const response = await rawExchange(port, [
      `POST /wallets/${alice.id}/credit HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` +
        `Authorization: Bearer ${adminToken}\r\n` +
        (header === 'Authorization'
          ? `Authorization: Bearer ${aliceToken}\r\n`
          : 'Idempotency-Key: a\r\nIdempotency-Key: b\r\n') +
        'Content-Type: application/json\r\nContent-Length: 32\r\n\r\n' +
        '{"amount":1,"reason":"WINNER"} ',
    ]);
    expectProblem(response, status);
    expect(await ledgerRows()).toBe(1);
  });

  it.each([
    ['trailing junk', (token: string) => `Bearer ${token} junk`],
    ['two tokens', (token: string) => `Bearer ${token} ${token}`],
    ['a comma list', (token: string) => `Bearer ${token}, Basic eA==`],
    ['no space', (token: string) => `Bearer${token}`],
  ])('refuses a bearer token with %s (401)', async (_, header) => {
    const response = await http()
      .get(`/wallets/${alice.id}`)
      .set('Authorization', header(aliceToken));
    expectProblem(response, 401, 'UNAUTHORIZED');
  });

  it('takes the scheme in any case and one or more spaces', async () => {
    for (const header of [`bearer ${aliceToken}`, `BEARER   ${aliceToken}`]) {
      const response = await http()
        .get(`/wallets/${alice.id}`)
        .set('Authorization', header);
      expect(response.status).toBe(200);
    }
  });

  it.each([
    ['TRACE', '/transfers', 'POST'],
    ['DELETE', `/wallets/${1}`, 'GET, HEAD, PATCH'],
    ['PUT', '/transfers/', 'POST'],
    ['OPTIONS', '/health', 'GET, HEAD'],
  ])('answers %s %s with 405 and Allow', async (method, path, allow) => {
    const response = await rawExchange(port, [
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ]);
    expectProblem(response, 405, 'METHOD_NOT_ALLOWED');
    expect(response.headers.allow).toBe(allow);
  });

  it('still answers 404 for a path no route has', async () => {
    const response = await rawExchange(port, [
      'TRACE /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]);
    expectProblem(response, 404, 'NOT_FOUND');
  });

  it('answers headers that are too large with a 431 problem', async () => {
    const response = await rawExchange(port, [
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);
    expectProblem(response, 431);
  });

  it.each([
    ['an unparsable request line', 'GET /health HTTP/9\r\n\r\n'],
    ['a bad header name', 'GET /health HTTP/1.1\r\nBad Header: 1\r\n\r\n'],
    ['an unknown method', 'BREW /health HTTP/1.1\r\nHost: x\r\n\r\n'],
    [
      'a non-numeric Content-Length',
      'POST /transfers HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n',
    ],
  ])('answers %s with a 400 problem', async (_, text) => {
    expectProblem(await rawExchange(port, [text]), 400);
  });

  it('logs a request its client cut short as a request line, not an error', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /wallets/${alice.id}/credit HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${adminToken}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"amo',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    await until(() => logger.lines.some((line) => line.context === 'HTTP'));
    expect(
      logger.lines.map((line) => ({
        level: line.level,
        line: JSON.parse(line.message) as unknown,
      })),
    ).toEqual([
      {
        level: 'log',
        line: expect.objectContaining({
          method: 'POST',
          route: '/wallets/:profileId/credit',
          status: 499,
        }),
      },
    ]);
    expect(await ledgerRows()).toBe(1);
  });

  it('sets nosniff, frame and content policies on every response', async () => {
    const ok = await http().get('/health');
    const unauthorized = await http().get(`/wallets/${alice.id}`);
    const refusedUrl = await http().get('/wallets/%ZZ');
    for (const response of [ok, unauthorized, refusedUrl]) {
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      });
    }
  });

  it('gives the docs UI a strict policy of its own: scripts from this server only', async () => {
    const page = await http().get('/docs');
    expect(page.status).toBe(200);
    const policy = page.headers['content-security-policy'];
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // Which holds only while the page has no inline script.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = await http().get('/docs/swagger-ui-init.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-security-policy']).toBe(policy);
  });
});
