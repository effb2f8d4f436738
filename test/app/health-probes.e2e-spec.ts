// Liveness and readiness: /health/live answers while the process does;
// /health/ready only while the database answers and has every migration.
import request from 'supertest';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';

describe('health endpoints', () => {
  let t: HttpTestApp;
  const http = () => request(t.app.getHttpServer());

  beforeAll(async () => {
    t = await createHttpTestApp();
  });
  afterAll(() => t.close());

  it('answers liveness and readiness without a token', async () => {
    const live = await http().get('/health/live');
    expect([live.status, live.body]).toEqual([200, { status: 'ok' }]);
    const ready = await http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up' } },
    });
  });

  it('is not ready while a migration of this build is not applied', async () => {
    const last = await t.database.asOwner(async (owner) => {
      const [row] = await owner.query<
        { id: number; timestamp: string; name: string }[]
      >('SELECT * FROM schema_migrations ORDER BY id DESC LIMIT 1');
      await owner.query('DELETE FROM schema_migrations WHERE id = $1', [
        row.id,
      ]);
      return row;
    });
    try {
      const ready = await http().get('/health/ready');
      expect([ready.status, ready.body.code]).toEqual([503, 'INTERNAL']);
      expect(ready.body.checks).toEqual({
        migrations: { status: 'down', pending: 1 },
      });
      expect((await http().get('/health/live')).status).toBe(200);
      expect((await http().get('/health')).status).toBe(200);
    } finally {
      await t.database.asOwner((owner) =>
        owner.query(
          'INSERT INTO schema_migrations (id, timestamp, name) VALUES ($1, $2, $3)',
          [last.id, last.timestamp, last.name],
        ),
      );
    }
    expect((await http().get('/health/ready')).status).toBe(200);
  });
});
