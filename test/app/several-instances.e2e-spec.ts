// Three real server processes (src/main.ts) on one database, as behind a
// load balancer: one idempotency key sent to all three moves coins once, the
// player rate limit is one limit across them, and concurrent transfers
// spread over them conserve coins.
import { JwtService } from '@nestjs/jwt';
import { freePort } from '../support/free-port';
import {
  callServer,
  startServer,
  stopStartedServers,
  waitForHealth,
  withDatabase,
} from '../support/server-process';
import {
  createTestDatabase,
  type TestDatabase,
} from '../support/test-database';

jest.setTimeout(120_000);

const SECRET = 'instances-'.padEnd(40, 'i');
const PLAYER_LIMIT = 6;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

describe('three instances on one database', () => {
  let database: TestDatabase;
  let ports: number[];
  const jwt = new JwtService({ secret: SECRET });
  // The platform's caller: not a profile, and never rate-limited.
  const service = jwt.sign(
    { sub: '900000', roles: ['service'] },
    { expiresIn: 600 },
  );

  const call = (
    instance: number,
    method: string,
    path: string,
    options: { token?: string; body?: unknown; key?: string } = {},
  ): Promise<Answer> =>
    callServer(ports[instance % ports.length], method, path, {
      token: options.token ?? service,
      body: options.body,
      headers:
        options.key === undefined ? {} : { 'Idempotency-Key': options.key },
    });

  let sequence = 0;
  /** Profiles with `coins` each, made through the first instance. */
  const fundedProfiles = async (count: number, coins: number) => {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      sequence += 1;
      const created = await call(0, 'POST', '/profiles', {
        body: {
          username: `instances-${sequence}`,
          email: `instances-${sequence}@example.test`,
        },
      });
      expect(created.status).toBe(201);
      const id = created.body.id as number;
      const credited = await call(0, 'POST', `/wallets/${id}/credit`, {
        body: { amount: coins, reason: 'WINNER' },
      });
      expect(credited.status).toBe(201);
      ids.push(id);
    }
    return ids;
  };

  const wallets = (profileIds: number[]) =>
    withDatabase(database.ownerUrl, async (client) => {
      const { rows } = await client.query<{
        profile_id: string;
        balance: string;
        held: string;
        ledger: string;
        rows: string;
      }>(
        `SELECT w.profile_id, w.cached_balance AS balance, w.held,
                coalesce(sum(t.amount), 0) AS ledger, count(t.id) AS rows
           FROM wallets w LEFT JOIN wallet_transactions t ON t.wallet_id = w.id
          WHERE w.profile_id = ANY($1::bigint[])
          GROUP BY w.id ORDER BY w.profile_id`,
        [profileIds],
      );
      return rows.map((row) => ({
        profileId: Number(row.profile_id),
        balance: Number(row.balance),
        held: Number(row.held),
        ledger: Number(row.ledger),
        rows: Number(row.rows),
      }));
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    ports = await Promise.all([freePort(), freePort(), freePort()]);
    const servers = ports.map((port) =>
      startServer({
        DATABASE_URL: database.url,
        DATABASE_MIGRATION_URL: database.ownerUrl,
        PORT: String(port),
        JWT_SECRET: SECRET,
        PROMO_SECRET: 'instances-promo-'.padEnd(40, 'p'),
        PLAYER_REQUESTS_PER_MINUTE: String(PLAYER_LIMIT),
        // Three servers on one machine: no shared metrics port to fight over.
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
      }),
    );
    const health = await Promise.all(
      servers.map((server, i) => waitForHealth(server, ports[i])),
    );
    expect(health.map(({ status }) => status)).toEqual([200, 200, 200]);
  });
  afterAll(async () => {
    await stopStartedServers();
    await database.drop();
  });

  it('moves coins once for one idempotency key sent to all three at once; the rest replay it', async () => {
    const [payer, payee] = await fundedProfiles(2, 100);
    const body = { fromProfileId: payer, toProfileId: payee, amount: 30 };
    const key = `several-instances-${Date.now()}`;

    // Three requests on each instance, all in flight together.
    const answers = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        call(i, 'POST', '/transfers', { body, key }),
      ),
    );

    expect(answers.map(({ status }) => status)).toEqual(Array(9).fill(201));
    const originals = answers.filter(
      ({ headers }) => headers.get('idempotent-replayed') === null,
    );
    expect(originals).toHaveLength(1);
    for (const answer of answers) {
      expect(answer.body).toEqual(originals[0].body);
      if (answer !== originals[0]) {
        expect(answer.headers.get('idempotent-replayed')).toBe('true');
      }
    }
    // One credit each, then one transfer: one leg on each side.
    expect(await wallets([payer, payee])).toEqual([
      { profileId: payer, balance: 70, held: 0, ledger: 70, rows: 2 },
      { profileId: payee, balance: 130, held: 0, ledger: 130, rows: 2 },
    ]);
  });

  it("holds one player to one limit across the three: exactly the limit's worth of 2xx, the rest 429 with Retry-After", async () => {
    const [player] = await fundedProfiles(1, 10);
    const token = jwt.sign(
      { sub: String(player), roles: ['player'] },
      { expiresIn: 600 },
    );

    // Five requests on each instance, all in flight together.
    const answers = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        call(i, 'GET', `/wallets/${player}`, { token }),
      ),
    );

    const statuses = answers.map(({ status }) => status).sort();
    expect(statuses).toEqual([
      ...Array<number>(PLAYER_LIMIT).fill(200),
      ...Array<number>(15 - PLAYER_LIMIT).fill(429),
    ]);
    const refused = answers.filter(({ status }) => status === 429);
    for (const answer of refused) {
      expect(answer.body).toMatchObject({
        code: 'RATE_LIMITED',
        detail: expect.stringContaining(`at most ${PLAYER_LIMIT} a minute`),
      });
      const retryAfter = Number(answer.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // Still full, whichever instance is asked.
    for (let instance = 0; instance < 3; instance++) {
      expect(
        (await call(instance, 'GET', `/wallets/${player}`, { token })).status,
      ).toBe(429);
    }
    // One row for the player, holding the counted requests only.
    const counts = await withDatabase(database.ownerUrl, (client) =>
      client.query<{ hits: number }>(
        'SELECT cardinality(hits) AS hits FROM rate_limit_hits WHERE key = $1',
        [`player:${player}`],
      ),
    );
    expect(counts.rows).toEqual([{ hits: PLAYER_LIMIT }]);
  });

  it('conserves coins under random transfers sent concurrently across the three', async () => {
    const profiles = await fundedProfiles(6, 100);
    const before = await wallets(profiles);
    const total = before.reduce((sum, { balance }) => sum + balance, 0);
    expect(total).toBe(600);
    // mulberry32 on a fixed seed: the same transfers on every run.
    let seed = 21;
    const random = (below: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) % below;
    };
    const transfers = Array.from({ length: 180 }, () => {
      const from = random(profiles.length);
      const to = (from + 1 + random(profiles.length - 1)) % profiles.length;
      return {
        fromProfileId: profiles[from],
        toProfileId: profiles[to],
        amount: 1 + random(40),
      };
    });

    // 24 in flight at a time, each sent to the next instance in turn.
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 24 }, async () => {
        while (next < transfers.length) {
          const index = next++;
          const answer = await call(index, 'POST', '/transfers', {
            body: transfers[index],
          });
          statuses.push(answer.status);
          if (answer.status !== 201) {
            expect(answer.body).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
          }
        }
      }),
    );

    const done = statuses.filter((status) => status === 201).length;
    expect(statuses).toHaveLength(transfers.length);
    expect(done).toBeGreaterThan(transfers.length / 2);
    const after = await wallets(profiles);
    expect(after.reduce((sum, { balance }) => sum + balance, 0)).toBe(total);
    for (const wallet of after) {
      expect(wallet.balance).toBe(wallet.ledger);
      expect(wallet.balance).toBeGreaterThanOrEqual(0);
      expect(wallet.held).toBe(0);
    }
    // Every 201 is one transfer: two legs, besides each wallet's credit.
    expect(after.reduce((sum, { rows }) => sum + rows, 0)).toBe(
      profiles.length + 2 * done,
    );
  });
});
