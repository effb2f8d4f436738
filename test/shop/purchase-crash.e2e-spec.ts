// A server killed outright (SIGKILL) between a purchase and its confirm:
// the coins stay held and the stock reserved in PostgreSQL, and once a
// server runs again the expiry returns both; the late confirm is refused.
import { JwtService } from '@nestjs/jwt';
import { freePort } from '../support/free-port';
import {
  callServer,
  startServer,
  stopServer,
  stopStartedServers,
  waitForHealth,
  withDatabase,
  sleep,
} from '../support/server-process';
import {
  createTestDatabase,
  type TestDatabase,
} from '../support/test-database';

jest.setTimeout(120_000);

const SECRET = 'crash-'.padEnd(40, 'c');

describe('a server killed between purchase and confirm', () => {
  let database: TestDatabase;
  let port: number;
  const jwt = new JwtService({ secret: SECRET });

  const serve = () =>
    startServer({
      DATABASE_URL: database.url,
      DATABASE_MIGRATION_URL: database.ownerUrl,
      PORT: String(port),
      JWT_SECRET: SECRET,
    });
  const call = (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => callServer(port, method, path, { token, body, headers });
  const state = (profileId: number, purchaseId: number) =>
    withDatabase(database.ownerUrl, async (client) => {
      const { rows } = await client.query<{
        balance: string;
        held: string;
        stock: number;
        purchase: string;
        hold: string;
      }>(
        `SELECT w.cached_balance AS balance, w.held, i.stock, p.status AS purchase, h.status AS hold
           FROM purchases p
           JOIN holds h ON h.id = p.hold_id
           JOIN wallets w ON w.id = h.wallet_id
           JOIN purchase_lines l ON l.purchase_id = p.id
           JOIN shop_items i ON i.id = l.item_id
          WHERE p.id = $1 AND w.profile_id = $2`,
        [purchaseId, profileId],
      );
      const [row] = rows;
      return { ...row, balance: Number(row.balance), held: Number(row.held) };
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
  });
  afterAll(async () => {
    await stopStartedServers();
    await database.drop();
  });

  it('returns the coins and the stock through the expiry once a server runs again', async () => {
    const profileId = await withDatabase(database.ownerUrl, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO profiles (username, email) VALUES ('crash-buyer', 'crash@example.test') RETURNING id`,
      );
      return Number(rows[0].id);
    });
    const admin = jwt.sign(
      { sub: String(profileId), roles: ['admin'] },
      { expiresIn: 300 },
    );
    const service = jwt.sign(
      { sub: String(profileId), roles: ['service'] },
      { expiresIn: 300 },
    );
    const first = serve();
    await waitForHealth(first, port);
    expect(
      (
        await call('POST', `/wallets/${profileId}/credit`, service, {
          amount: 100,
          reason: 'WINNER',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/shop/items', admin, {
          sku: 'crash-item',
          name: 'Crash item',
          price: 30,
          stock: 5,
        })
      ).status,
    ).toBe(201);
    const bought = await call(
      'POST',
      '/purchases',
      service,
      {
        profileId,
        lines: [{ sku: 'crash-item', quantity: 2 }],
        expiresInSeconds: 3,
      },
      { 'Idempotency-Key': 'crash-purchase' },
    );
    expect(bought.status).toBe(201);
    const purchaseId = bought.body.id as number;

    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await state(profileId, purchaseId)).toEqual({
      balance: 100,
      held: 60,
      stock: 3,
      purchase: 'PENDING',
      hold: 'PENDING',
    });

    const second = serve();
    await waitForHealth(second, port);
    let after = await state(profileId, purchaseId);
    for (
      let waited = 0;
      after.purchase === 'PENDING' && waited < 15_000;
      waited += 250
    ) {
      await sleep(250);
      after = await state(profileId, purchaseId);
    }
    expect(after).toEqual({
      balance: 100,
      held: 0,
      stock: 5,
      purchase: 'EXPIRED',
      hold: 'EXPIRED',
    });
    const late = await call(
      'POST',
      `/purchases/${purchaseId}/confirm`,
      service,
    );
    expect([late.status, late.body.code]).toEqual([409, 'PURCHASE_STATE']);
    expect(await stopServer(second)).toEqual({ code: 0, signal: null });
  });
});
