// A database lost under the service (a failover, a network cut) answers 503
// UNAVAILABLE with Retry-After within the bounds, never a 500 and never a
// hang; a keyed request sent again once the database is back is done once.
import { Client } from 'pg';
import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';
import { TcpProxy } from '../support/tcp-proxy';
import {
  createTestDatabase,
  type TestDatabase,
} from '../support/test-database';

describe('a database lost under the service', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: HttpTestApp;
  let profile: Profile;
  let service: string;

  const http = () => request(t.app.getHttpServer());
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const credit = (key?: string) => {
    const sent = http().post(`/wallets/${profile.id}/credit`).set(as(service));
    return (key === undefined ? sent : sent.set('Idempotency-Key', key)).send({
      amount: 5,
      reason: 'MANUAL_ADJUST',
    });
  };
  const expectUnavailable = (answer: request.Response) => {
    expect([answer.status, answer.body.code]).toEqual([503, 'UNAVAILABLE']);
    expect(answer.headers['retry-after']).toBe('2');
    expect(answer.headers['content-type']).toMatch(
      /^application\/problem\+json/,
    );
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const direct = new URL(database.url);
    proxy = await TcpProxy.start({
      host: direct.hostname,
      port: Number(direct.port),
    });
    t = await createHttpTestApp({
      shared: { ...database, url: proxy.through(database.url) },
      database: {
        poolSize: 4,
        bounds: { lockWaitMs: 5_000, statementMs: 5_000, poolWaitMs: 1_000 },
      },
    });
    profile = await t.createProfile();
    service = t.token(profile.id, ['service']);
  });
  afterAll(async () => {
    await t.close();
    await proxy.cut();
    await database.drop();
  });

  it('answers 503 UNAVAILABLE while the database is gone, and serves again once it is back', async () => {
    expect((await credit()).status).toBe(201);
    await proxy.cut();
    const started = Date.now();
    const answers = await Promise.all([
      credit(),
      http().get(`/wallets/${profile.id}`).set(as(service)),
      http()
        .post(`/wallets/${profile.id}/holds`)
        .set(as(service))
        .send({ amount: 1, reason: 'MANUAL_ADJUST' }),
      http().get(`/wallets/${profile.id}/transactions`).set(as(service)),
    ]);
    answers.forEach(expectUnavailable);
    expect(Date.now() - started).toBeLessThan(3_000);
    // Not ready, but alive: a supervisor must not restart it for this.
    const ready = await http().get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({
      database: { status: 'down' },
      migrations: { status: 'down' },
    });
    expect((await http().get('/health/live')).status).toBe(200);
    await proxy.restore();
    expect((await credit()).status).toBe(201);
    const wallet = await http().get(`/wallets/${profile.id}`).set(as(service));
    expect(wallet.body.balance).toBe(10);
  });

  it('answers a request cut off mid-flight UNAVAILABLE; sent again with its key, it moves once', async () => {
    // Another session holds the wallet, so the credit is in flight when the
    // connection goes; it may still commit once the lock is gone.
    const holder = new Client({ connectionString: database.ownerUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        'SELECT 1 FROM wallets WHERE profile_id = $1 FOR UPDATE',
        [profile.id],
      );
      const inFlight = credit('lost-mid-flight');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await proxy.cut();
      expectUnavailable(await inFlight);
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    await proxy.restore();
    const again = await credit('lost-mid-flight');
    expect(again.status).toBe(201);
    const [{ count }] = await t.database.asOwner((owner) =>
      owner.query<{ count: string }[]>(
        `SELECT count(*) FROM wallet_transactions WHERE client_idempotency_key = $1`,
        ['lost-mid-flight'],
      ),
    );
    expect(Number(count)).toBe(1);
    const replay = await credit('lost-mid-flight');
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });
});
