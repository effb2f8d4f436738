import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { logLevelsUpTo } from '../../src/config/log-levels';
import { CapturingLogger } from '../support/capturing-logger';
import { runCli } from '../support/cli-process';
import {
  createHttpTestApp,
  TEST_JWT_SECRET,
  type HttpTestApp,
} from '../support/http-test-app';

describe('HTTP request logs and CLI tokens', () => {
  const logger = new CapturingLogger();
  let t: HttpTestApp;
  let player: Profile;

  beforeAll(async () => {
    t = await createHttpTestApp({ logger });
    player = await t.createProfile();
  });
  afterAll(() => t.close());

  it('writes one structured line per request, with ids only and no token', async () => {
    const token = t.token(player.id, ['player']);
    const service = t.token(player.id, ['service']);
    await request(t.app.getHttpServer())
      .post(`/wallets/${player.id}/credit`)
      .set('Authorization', `Bearer ${service}`)
      .send({ amount: 5, reason: 'WINNER', meta: { by: player.email } });
    await request(t.app.getHttpServer())
      .get(`/wallets/${player.id}?probe=${player.username}`)
      .set('Authorization', `Bearer ${token}`);
    await request(t.app.getHttpServer()).get('/wallets/1');

    const requests = logger.lines
      .filter((line) => line.context === 'HTTP')
      .map((line) => JSON.parse(line.message) as Record<string, unknown>);
    expect(requests).toEqual([
      {
        method: 'POST',
        route: '/wallets/:profileId/credit',
        status: 201,
        durationMs: expect.any(Number),
        principal: player.id,
      },
      {
        method: 'GET',
        route: '/wallets/:profileId',
        status: 200,
        durationMs: expect.any(Number),
        principal: player.id,
      },
      {
        method: 'GET',
        route: '/wallets/:profileId',
        status: 401,
        durationMs: expect.any(Number),
        principal: null,
      },
    ]);
    const everything = logger.text();
    for (const secret of [token, service, player.username, player.email]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('logs requests the router refuses too (a malformed URL, an over-long id)', async () => {
    logger.lines.length = 0;
    const bad = await request(t.app.getHttpServer()).get('/wallets/%ZZ');
    const long = await request(t.app.getHttpServer()).get(
      `/wallets/${'9'.repeat(120)}`,
    );
    expect([bad.status, long.status]).toEqual([400, 414]);
    expect(
      logger.lines
        .filter((line) => line.context === 'HTTP')
        .map((line) => JSON.parse(line.message) as Record<string, unknown>),
    ).toEqual(
      [400, 414].map((status) => ({
        method: 'GET',
        route: 'unmatched',
        status,
        durationMs: expect.any(Number),
        principal: null,
      })),
    );
  });

  it('builds no request line when the log level hides them', async () => {
    const quiet = new CapturingLogger();
    const app = await createHttpTestApp({
      logger: quiet,
      logLevels: logLevelsUpTo('warn'),
    });
    try {
      const response = await request(app.app.getHttpServer()).get('/wallets/1');
      expect(response.status).toBe(401);
      const refused = await request(app.app.getHttpServer()).get(
        '/wallets/%ZZ',
      );
      expect(refused.status).toBe(400);
      expect(quiet.lines.filter((line) => line.context === 'HTTP')).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('accepts a token printed by the admin console', async () => {
    const run = await runCli(
      ['token', '--profile', String(player.id), '--role', 'player'],
      { DATABASE_URL: t.database.url, JWT_SECRET: TEST_JWT_SECRET },
    );
    expect(run.code).toBe(0);
    const response = await request(t.app.getHttpServer())
      .get(`/wallets/${player.id}`)
      .set('Authorization', `Bearer ${run.stdout.trim()}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ profileId: player.id, balance: 5 });
  });
});
