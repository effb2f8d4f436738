// A wallet another session holds locked: its requests answer 503 BUSY with
// Retry-After once the lock bound passes, nothing written; requests on other
// wallets and the health check answer meanwhile.
import { Client } from 'pg';
import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';

describe('a locked wallet over HTTP', () => {
  let t: HttpTestApp;
  let locker: Client;
  let stuck: Profile;
  let others: Profile[];
  let service: string;

  const http = () => request(t.app.getHttpServer());
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const transfer = (from: Profile, to: Profile) =>
    http()
      .post('/transfers')
      .set(as(service))
      .send({ fromProfileId: from.id, toProfileId: to.id, amount: 1 });

  beforeAll(async () => {
    t = await createHttpTestApp({
      database: {
        poolSize: 4,
        bounds: { lockWaitMs: 300, statementMs: 5_000, poolWaitMs: 800 },
      },
    });
    stuck = await t.createProfile();
    others = [await t.createProfile(), await t.createProfile()];
    service = t.token(stuck.id, ['service']);
    for (const profile of [stuck, ...others]) {
      await http()
        .post(`/wallets/${profile.id}/credit`)
        .set(as(service))
        .send({ amount: 100, reason: 'WINNER' })
        .expect(201);
    }
    locker = new Client({ connectionString: t.database.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
    await t.close();
  });

  it('answers 503 BUSY with Retry-After for it, and serves the rest and /health meanwhile', async () => {
    await locker.query('BEGIN');
    await locker.query(
      'SELECT 1 FROM wallets WHERE profile_id = $1 FOR UPDATE',
      [stuck.id],
    );
    try {
      const onStuck = Promise.all(
        Array.from({ length: 12 }, () => transfer(stuck, others[0])),
      );
      const started = Date.now();
      const [health, elsewhere] = await Promise.all([
        http().get('/health'),
        transfer(others[0], others[1]),
      ]);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(health.status).toBe(200);
      expect(elsewhere.status).toBe(201);

      for (const answer of await onStuck) {
        expect(answer.status).toBe(503);
        expect(answer.headers['content-type']).toMatch(
          /^application\/problem\+json/,
        );
        expect(answer.headers['retry-after']).toBe('1');
        expect(answer.body).toMatchObject({ status: 503, code: 'BUSY' });
      }
    } finally {
      await locker.query('ROLLBACK');
    }
    const wallet = await http().get(`/wallets/${stuck.id}`).set(as(service));
    expect(wallet.body).toMatchObject({ balance: 100 });
    expect((await transfer(stuck, others[0])).status).toBe(201);
  });
});
