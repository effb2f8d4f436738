// GET /metrics on the real server process: Prometheus text whose counters,
// histogram and pool gauges move with the requests made, on a port of its
// own bound to the loopback; METRICS_PORT=0 leaves only the API's port.
import { JwtService } from '@nestjs/jwt';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { Client } from 'pg';
import { freePort } from '../support/free-port';
import {
  parsePrometheusText,
  valueOfSeries,
  type Exposition,
} from '../support/prometheus-text';
import {
  callServer,
  sleep,
  startServer,
  stopServer,
  stopStartedServers,
  waitForHealth,
  type ServerProcess,
} from '../support/server-process';
import {
  createTestDatabase,
  type TestDatabase,
} from '../support/test-database';

jest.setTimeout(120_000);

const SECRET = 'metrics-'.padEnd(40, 'm');

describe('the Prometheus text check', () => {
  it('reads a well-formed exposition and refuses malformed ones', () => {
    const good = [
      '# HELP a_total A counter.',
      '# TYPE a_total counter',
      'a_total{kind="x",outcome="say \\"hi\\""} 3',
      '# HELP d_seconds A histogram.',
      '# TYPE d_seconds histogram',
      'd_seconds_bucket{le="0.5"} 1',
      'd_seconds_bucket{le="+Inf"} 2',
      'd_seconds_sum 1.5e-1',
      'd_seconds_count 2',
      '',
    ].join('\n');
    const parsed = parsePrometheusText(good);
    expect(
      valueOfSeries(parsed, 'a_total', { kind: 'x', outcome: 'say "hi"' }),
    ).toBe(3);
    expect(valueOfSeries(parsed, 'd_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(valueOfSeries(parsed, 'd_seconds_sum')).toBe(0.15);
    for (const bad of [
      'b_total 1', // no HELP or TYPE before it
      '# HELP a_total A.\n# TYPE a_total counter\na_total{kind=x} 1',
      '# HELP a_total A.\n# TYPE a_total counter\na_total 1 2 3',
      '# HELP a_total A.\n# TYPE a_total counter\na_total one',
      '# HELP a_total A.\n# TYPE a_total counter\na_total 1\na_total 2',
      '# TYPE a_total counter\na_total 1',
      '# HELP g A.\n# TYPE g gauge\ng_bucket{le="1"} 1',
    ]) {
      expect(() => parsePrometheusText(bad)).toThrow();
    }
  });
});

describe('GET /metrics on the server process', () => {
  let database: TestDatabase;
  let port: number;
  let metricsPort: number;
  let server: ServerProcess;
  const jwt = new JwtService({ secret: SECRET });
  const service = jwt.sign(
    { sub: '1', roles: ['service'] },
    { expiresIn: 600 },
  );

  const call = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => callServer(port, method, path, { token: service, body, headers });
  const scrape = async (): Promise<{ text: string; parsed: Exposition }> => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(
      'text/plain; version=0.0.4; charset=utf-8',
    );
    const text = await response.text();
    return { text, parsed: parsePrometheusText(text) };
  };
  let profiles = 0;
  const createProfile = async (): Promise<number> => {
    profiles += 1;
    const { status, body } = await call('POST', '/profiles', {
      username: `metrics_${process.pid}_${profiles}`,
      email: `metrics-${process.pid}-${profiles}@example.test`,
    });
    expect(status).toBe(201);
    return body.id as number;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    metricsPort = await freePort();
    // Two pooled connections: three waiting holds fill the pool and queue.
    server = startServer({
      DATABASE_URL: database.url,
      DATABASE_MIGRATION_URL: database.ownerUrl,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      JWT_SECRET: SECRET,
      DATABASE_POOL_SIZE: '2',
      DATABASE_LOCK_WAIT_MS: '60000',
      DATABASE_POOL_WAIT_MS: '60000',
    });
    await waitForHealth(server, port);
    // The metrics server starts once the API listens.
    const deadline = Date.now() + 10_000;
    while (
      !(await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
        (response) => response.ok,
        () => false,
      )) &&
      Date.now() < deadline
    ) {
      await sleep(100);
    }
  });
  afterAll(async () => {
    await stopStartedServers();
    await database?.drop();
  });

  it('is Prometheus text whose counters and histogram move by the requests made', async () => {
    const profileId = await createProfile();
    const before = (await scrape()).parsed;

    const credit = (key?: string) =>
      call(
        'POST',
        `/wallets/${profileId}/credit`,
        { amount: 100, reason: 'WINNER' },
        key === undefined ? {} : { 'Idempotency-Key': key },
      );
    expect((await credit()).status).toBe(201);
    const first = await credit('metrics-key-1');
    expect(first.status).toBe(201);
    const replay = await credit('metrics-key-1');
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const refused = await call('POST', `/wallets/${profileId}/debit`, {
      amount: 1_000,
      reason: 'PURCHASE',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('INSUFFICIENT_FUNDS');
    expect((await call('GET', `/wallets/${profileId}`)).status).toBe(200);
    expect((await call('GET', '/no-such-route/42')).status).toBe(404);
    // Refused by Fastify's router, which runs no hooks.
    expect((await call('GET', '/wallets/%zz')).status).toBe(400);

    const { text, parsed: after } = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      valueOfSeries(after, name, labels) - valueOfSeries(before, name, labels);

    // Every kind and outcome from the first scrape on, counted or not.
    const movementDeltas: Record<string, number> = {};
    for (const kind of ['credit', 'debit', 'transfer']) {
      for (const outcome of [
        'ok',
        'replayed',
        'refused',
        'busy',
        'unavailable',
        'error',
      ]) {
        expect(
          before.samples.some(
            (sample) =>
              sample.name === 'deltacrown_movements_total' &&
              sample.labels.kind === kind &&
              sample.labels.outcome === outcome,
          ),
        ).toBe(true);
        movementDeltas[`${kind} ${outcome}`] = moved(
          'deltacrown_movements_total',
          { kind, outcome },
        );
      }
    }
    expect(movementDeltas).toEqual({
      'credit ok': 2,
      'credit replayed': 1,
      'credit refused': 0,
      'credit busy': 0,
      'credit unavailable': 0,
      'credit error': 0,
      'debit ok': 0,
      'debit replayed': 0,
      'debit refused': 1,
      'debit busy': 0,
      'debit unavailable': 0,
      'debit error': 0,
      'transfer ok': 0,
      'transfer replayed': 0,
      'transfer refused': 0,
      'transfer busy': 0,
      'transfer unavailable': 0,
      'transfer error': 0,
    });
    expect(
      moved('deltacrown_idempotent_replays_total', {
        route: '/wallets/:profileId/credit',
      }),
    ).toBe(1);

    const requests = (method: string, route: string, status: string) =>
      moved('http_request_duration_seconds_count', { method, route, status });
    expect(requests('POST', '/wallets/:profileId/credit', '201')).toBe(3);
    expect(requests('POST', '/wallets/:profileId/debit', '422')).toBe(1);
    expect(requests('GET', '/wallets/:profileId', '200')).toBe(1);
    expect(requests('GET', 'unmatched', '404')).toBe(1);
    expect(requests('GET', 'unmatched', '400')).toBe(1);
    // Routes by their pattern only: no series per profile.
    expect(text).not.toContain(`/wallets/${profileId}`);
    expect(text).not.toContain('/no-such-route');

    // A histogram's buckets count up to its count, and its sum moved.
    const labels = {
      method: 'POST',
      route: '/wallets/:profileId/credit',
      status: '201',
    };
    const buckets = after.samples
      .filter(
        (sample) =>
          sample.name === 'http_request_duration_seconds_bucket' &&
          sample.labels.route === labels.route &&
          sample.labels.status === labels.status,
      )
      .map((sample) => sample.value);
    expect(buckets.length).toBeGreaterThan(1);
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
    expect(
      valueOfSeries(after, 'http_request_duration_seconds_bucket', {
        ...labels,
        le: '+Inf',
      }),
    ).toBe(valueOfSeries(after, 'http_request_duration_seconds_count', labels));
    expect(moved('http_request_duration_seconds_sum', labels)).toBeGreaterThan(
      0,
    );

    expect(after.families.get('http_request_duration_seconds')?.type).toBe(
      'histogram',
    );
    for (const [name, type] of [
      ['deltacrown_movements_total', 'counter'],
      ['deltacrown_idempotent_replays_total', 'counter'],
      ['deltacrown_transient_retries_total', 'counter'],
      ['deltacrown_db_pool_connections_in_use', 'gauge'],
      ['deltacrown_db_pool_requests_waiting', 'gauge'],
      // prom-client's process defaults.
      ['process_cpu_user_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
    ]) {
      expect(after.families.get(name)?.type).toBe(type);
    }
    // Nothing retried here: the counter is there, and still.
    expect(moved('deltacrown_transient_retries_total')).toBe(0);
  });

  it('reads the pool at each scrape: connections in use and requests waiting', async () => {
    const profileId = await createProfile();
    expect(
      (
        await call('POST', `/wallets/${profileId}/credit`, {
          amount: 100,
          reason: 'WINNER',
        })
      ).status,
    ).toBe(201);
    const gauges = async () => {
      const { parsed } = await scrape();
      return {
        inUse: valueOfSeries(parsed, 'deltacrown_db_pool_connections_in_use'),
        waiting: valueOfSeries(parsed, 'deltacrown_db_pool_requests_waiting'),
      };
    };
    const until = async (
      wanted: (seen: { inUse: number; waiting: number }) => boolean,
    ) => {
      const deadline = Date.now() + 15_000;
      let seen = await gauges();
      while (!wanted(seen) && Date.now() < deadline) {
        await sleep(50);
        seen = await gauges();
      }
      return seen;
    };
    expect(await until((seen) => seen.inUse === 0)).toEqual({
      inUse: 0,
      waiting: 0,
    });

    // Each hold waits for the wallet's lock on a pooled connection of its
    // own: two take both, the third waits for one (and so does each
    // expiry sweep that starts meanwhile: they run every second).
    const locker = new Client({ connectionString: database.url });
    await locker.connect();
    let holds: Promise<{ status: number }[]> | undefined;
    try {
      await locker.query('BEGIN');
      await locker.query(
        'SELECT 1 FROM wallets WHERE profile_id = $1 FOR UPDATE',
        [profileId],
      );
      holds = Promise.all(
        [1, 2, 3].map(() =>
          call('POST', `/wallets/${profileId}/holds`, {
            amount: 1,
            reason: 'PURCHASE',
          }),
        ),
      );
      const full = await until((seen) => seen.inUse === 2 && seen.waiting >= 1);
      expect(full.inUse).toBe(2);
      expect(full.waiting).toBeGreaterThanOrEqual(1);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await holds).map((hold) => hold.status)).toEqual([201, 201, 201]);
    expect(await until((seen) => seen.inUse === 0)).toEqual({
      inUse: 0,
      waiting: 0,
    });
  });

  it('binds the metrics port to 127.0.0.1 by default, the API to every interface', async () => {
    expect(await listeningAddresses(server)).toEqual(
      [`0.0.0.0:${port}`, `127.0.0.1:${metricsPort}`].sort(),
    );
  });

  it('answers 404 for anything but GET /metrics', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/health'],
      ['GET', '/metrics/extra'],
      ['POST', '/metrics'],
    ]) {
      const response = await fetch(`http://127.0.0.1:${metricsPort}${path}`, {
        method,
      });
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
  });

  it('serves no metrics with METRICS_PORT=0: the API port is all it listens on', async () => {
    const otherPort = await freePort();
    const other = startServer({
      DATABASE_URL: database.url,
      DATABASE_MIGRATION_URL: database.ownerUrl,
      PORT: String(otherPort),
      METRICS_PORT: '0',
      JWT_SECRET: SECRET,
    });
    await waitForHealth(other, otherPort);
    // Listening happens before /health answers; the metrics server would
    // start right after: give it the time it would take.
    await sleep(500);
    expect(await listeningAddresses(other)).toEqual([`0.0.0.0:${otherPort}`]);
    expect((await stopServer(other)).code).toBe(0);
  });
});

/**
 * The TCP addresses the process listens on, as `host:port`: its sockets
 * (/proc/PID/fd) among the listening ones of /proc/net/tcp and tcp6.
 */
async function listeningAddresses(server: ServerProcess): Promise<string[]> {
  const pid = server.child.pid!;
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const socket = /^socket:\[(\d+)\]$/.exec(target);
    if (socket) {
      inodes.add(socket[1]);
    }
  }
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = (await readFile(table, 'utf8')).trim().split('\n').slice(1);
    for (const row of rows) {
      const fields = row.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (state === '0A' && inodes.has(inode)) {
        addresses.push(decodeAddress(local));
      }
    }
  }
  return addresses.sort();
}

/** `0100007F:24F8` as `127.0.0.1:9464`; an IPv6 address as `[hex groups]:port`. */
function decodeAddress(local: string): string {
  const [hex, portHex] = local.split(':');
  const port = parseInt(portHex, 16);
  // The kernel prints each 32-bit word in host (little-endian) byte order.
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)),
  );
  if (bytes.length === 4) {
    return `${bytes.join('.')}:${port}`;
  }
  const groups = [];
  for (let i = 0; i < bytes.length; i += 2) {
    groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  }
  return `[${groups.join(':')}]:${port}`;
}
