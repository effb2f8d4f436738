// The server's logs as a log pipeline reads them: the real entry point as a
// child process, whose stdout (a pipe, so JSON) must be one JSON object a
// line, each request's lines carrying its id.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { logLevelsUpTo } from '../../src/config/log-levels';
import { CapturingLogger } from '../support/capturing-logger';
import { runCli } from '../support/cli-process';
import { freePort } from '../support/free-port';
import { rawExchange } from '../support/raw-http';
import {
  createHttpTestApp,
  TEST_JWT_SECRET,
  TEST_PROMO_SECRET,
  type HttpTestApp,
} from '../support/http-test-app';
import {
  startServer,
  stopServer,
  stopStartedServers,
  waitForHealth,
  type ServerProcess,
} from '../support/server-process';

jest.setTimeout(120_000);

const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type LogLine = Record<string, unknown>;

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 5000) {
      throw new Error('condition never came true');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the server logs JSON lines on stdout, each with its request id', () => {
  let t: HttpTestApp;
  let dataDir: string;
  let server: ServerProcess;
  let stdout = '';
  let port: number;
  let base: string;
  let player: Profile;
  let playerToken: string;
  let serviceToken: string;

  /** Every line printed so far; JSON.parse throws at the first that is not JSON. */
  const lines = (): LogLine[] =>
    stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine);
  const linesOf = (reqId: string) =>
    lines().filter((line) => line.reqId === reqId);
  /** The request line of `reqId`, once the server has written it. */
  const requestLine = async (reqId: string): Promise<LogLine> => {
    await until(() => linesOf(reqId).some((line) => line.context === 'HTTP'));
    return linesOf(reqId).find((line) => line.context === 'HTTP')!;
  };
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers });

  beforeAll(async () => {
    // Its database, and the one the in-process tests below use.
    t = await createHttpTestApp();
    player = await t.createProfile();
    playerToken = t.token(player.id, ['player']);
    serviceToken = t.token(player.id, ['service']);
    dataDir = mkdtempSync(join(tmpdir(), 'economy-logs-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = startServer({
      DATABASE_URL: t.database.url,
      DATABASE_MIGRATION_URL: t.database.ownerUrl,
      DATA_DIR: dataDir,
      PORT: String(port),
      METRICS_PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      PROMO_SECRET: TEST_PROMO_SECRET,
      LOG_LEVEL: 'log',
      // Unset: stdout is a pipe here, so JSON.
      LOG_FORMAT: '',
    });
    server.child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    expect((await waitForHealth(server, port)).status).toBe(200);
  });
  afterAll(async () => {
    await stopStartedServers();
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("prints only JSON lines with level, time and message, Nest's and the bootstrap's included", () => {
    const printed = lines();
    for (const line of printed) {
      expect(line).toEqual(
        expect.objectContaining({
          level: expect.stringMatching(/^(info|warn|error)$/),
          time: expect.any(String),
          msg: expect.any(String),
        }),
      );
      expect(new Date(line.time as string).toISOString()).toBe(line.time);
    }
    expect(printed).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'Bootstrap',
        msg: expect.stringMatching(/^DeltaCrown Economy listening on port /),
      }),
    );
    // Nest's own lines, written while the app was built (bufferLogs).
    expect(printed).toContainEqual(
      expect.objectContaining({ level: 'info', context: 'NestFactory' }),
    );
  });

  it("keeps a caller's X-Request-Id, echoes it, and puts it on every line of its request, once", async () => {
    const reqId = `checkout 42/${process.pid}:`.padEnd(128, '~');
    expect(reqId).toHaveLength(128);
    const username = `log-user-${process.pid}`;
    const response = await fetch(`${base}/profiles`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${serviceToken}`,
        'X-Request-Id': reqId,
      },
      body: JSON.stringify({ username, email: `${username}@example.test` }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe(reqId);
    const { id } = (await response.json()) as { id: number };

    expect(await requestLine(reqId)).toEqual({
      level: 'info',
      time: expect.any(String),
      pid: server.child.pid,
      hostname: expect.any(String),
      context: 'HTTP',
      msg: 'request completed',
      reqId,
      method: 'POST',
      route: '/profiles',
      status: 201,
      durationMs: expect.any(Number),
      principal: player.id,
    });
    // A line the service wrote while handling the request carries its id.
    expect(linesOf(reqId)).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'ProfilesService',
        msg: `profile ${id} created`,
      }),
    );
    for (const line of stdout.split('\n').filter((l) => l.includes(reqId))) {
      expect(line.split('"reqId"')).toHaveLength(2);
    }
  });

  it('keeps the id on a line written after a body that arrived late', async () => {
    const username = `log-late-${process.pid}`;
    const body = JSON.stringify({
      username,
      email: `${username}@example.test`,
    });
    const answer = await rawExchange(
      port,
      [
        [
          'POST /profiles HTTP/1.1',
          `Host: 127.0.0.1:${port}`,
          `Authorization: Bearer ${serviceToken}`,
          'X-Request-Id: late-body',
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Connection: close',
          '',
          '',
        ].join('\r\n'),
        body,
      ],
      { pauseMs: 200 },
    );
    expect([answer.status, answer.headers['x-request-id']]).toEqual([
      201,
      'late-body',
    ]);
    const { id } = JSON.parse(answer.body) as { id: number };
    await requestLine('late-body');
    expect(linesOf('late-body')).toContainEqual(
      expect.objectContaining({
        context: 'ProfilesService',
        msg: `profile ${id} created`,
      }),
    );
  });

  it.each([
    ['too long', 'x'.repeat(129)],
    ['with a tab', 'a\tb'],
    ['outside ASCII', 'caf\u00e9'],
    ['blank', ' '],
    ['absent', undefined],
  ])(
    'answers and logs a generated id for an X-Request-Id %s',
    async (_, given) => {
      const response = await get(
        `/wallets/${player.id}`,
        given === undefined
          ? { Authorization: `Bearer ${playerToken}` }
          : { Authorization: `Bearer ${playerToken}`, 'X-Request-Id': given },
      );
      expect(response.status).toBe(200);
      const reqId = response.headers.get('x-request-id')!;
      expect(reqId).toMatch(UUID);
      expect(await requestLine(reqId)).toMatchObject({
        method: 'GET',
        route: '/wallets/:profileId',
        status: 200,
        principal: player.id,
      });
      if (given !== undefined && given.trim() !== '') {
        expect(stdout).not.toContain(JSON.stringify(given).slice(1, -1));
      }
    },
  );

  it('echoes and logs the id of problem answers, 404s and URLs the router refuses', async () => {
    const answers = await Promise.all(
      [
        '/wallets/1',
        '/nowhere',
        '/wallets/%ZZ',
        `/wallets/${'9'.repeat(120)}`,
      ].map((path, i) => get(path, { 'X-Request-Id': `problem-${i}` })),
    );
    expect(
      answers.map((answer) => [
        answer.status,
        answer.headers.get('content-type'),
        answer.headers.get('x-request-id'),
      ]),
    ).toEqual(
      [401, 404, 400, 414].map((status, i): unknown[] => [
        status,
        expect.stringMatching(/^application\/problem\+json/),
        `problem-${i}`,
      ]),
    );
    const logged = await Promise.all(
      answers.map((_, i) => requestLine(`problem-${i}`)),
    );
    expect(logged).toEqual(
      [
        [401, '/wallets/:profileId'],
        [404, 'unmatched'],
        [400, 'unmatched'],
        [414, 'unmatched'],
      ].map(([status, route], i): unknown =>
        expect.objectContaining({
          level: 'info',
          msg: 'request completed',
          reqId: `problem-${i}`,
          method: 'GET',
          route,
          status,
          principal: null,
        }),
      ),
    );
  });

  it('logs no token, body, query or personal data', async () => {
    const probe = `probe-${process.pid}-secret`;
    const response = await fetch(
      `${base}/wallets/${player.id}/credit?q=${probe}`,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${serviceToken}`,
          'X-Request-Id': 'no-secrets',
        },
        body: JSON.stringify({
          amount: 5,
          reason: 'WINNER',
          meta: { by: player.email, note: probe },
        }),
      },
    );
    expect(response.status).toBe(201);
    await requestLine('no-secrets');
    for (const secret of [
      playerToken,
      serviceToken,
      TEST_JWT_SECRET,
      player.username,
      player.email,
      probe,
      'log-user-',
    ]) {
      expect(stdout).not.toContain(secret);
    }
  });

  it('stops cleanly on SIGTERM, saying so in JSON', async () => {
    expect(await stopServer(server)).toEqual({ code: 0, signal: null });
    expect(lines()).toContainEqual(
      expect.objectContaining({
        context: 'Bootstrap',
        msg: 'SIGTERM received, shutting down',
      }),
    );
  });

  it('builds no request line when the log level hides them, and still echoes the id', async () => {
    const quiet = new CapturingLogger();
    const app = await createHttpTestApp({
      logger: quiet,
      logLevels: logLevelsUpTo('warn'),
      shared: t.database,
    });
    try {
      const response = await request(app.app.getHttpServer())
        .get('/wallets/1')
        .set('X-Request-Id', 'quiet-1');
      expect([response.status, response.headers['x-request-id']]).toEqual([
        401,
        'quiet-1',
      ]);
      const refused = await request(app.app.getHttpServer()).get(
        '/wallets/%ZZ',
      );
      expect(refused.status).toBe(400);
      expect(refused.headers['x-request-id']).toMatch(UUID);
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
