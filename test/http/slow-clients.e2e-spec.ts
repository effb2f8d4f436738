// A client can hold a connection only so long: a request must arrive whole
// within REQUEST_TIMEOUT_SECONDS, an idle keep-alive connection closes after
// KEEP_ALIVE_TIMEOUT_SECONDS, and MAX_CONNECTIONS caps how many are open.
import { connect, type Socket } from 'node:net';
import type { Profile } from '../../src/profiles';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';
import { rawExchange } from '../support/raw-http';

const LIMITS = {
  requestTimeoutSeconds: 1,
  keepAliveTimeoutSeconds: 1,
  maxConnections: 3,
};
// Node checks the request timeout once a second: a cut lands 1–2 s in, and
// a loaded machine adds its lag. Each trickle below lasts 6 s or more, so a
// close before this bound is the server's cut, not the client's end.
const CUT_WITHIN_MS = 4_000;

describe('slow clients', () => {
  let t: HttpTestApp;
  let port: number;
  let player: Profile;
  let token: string;

  const creditHeaders = (length: number) =>
    `POST /wallets/${player.id}/credit HTTP/1.1\r\nHost: x\r\n` +
    `Authorization: Bearer ${token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
  const open = async (): Promise<{ socket: Socket; closed: Promise<void> }> => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    // Read (and drop) what comes: a socket never read never sees the close.
    socket.resume();
    const closed = new Promise<void>((resolve) =>
      socket.once('close', resolve),
    );
    await new Promise((resolve) => socket.once('connect', resolve));
    return { socket, closed };
  };

  beforeAll(async () => {
    t = await createHttpTestApp({ httpLimits: LIMITS });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    player = await t.createProfile();
    token = t.token(player.id, ['service']);
  });
  afterAll(() => t.close());

  it('answers a body trickled past the request timeout with 408 and closes the connection', async () => {
    const body = '{"amount":1,"reason":"WINNER"}';
    const response = await rawExchange(
      port,
      [creditHeaders(body.length), ...body.split('')],
      { pauseMs: 300 },
    );
    expect(response.status).toBe(408);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({
      status: 408,
      code: 'REQUEST_TIMEOUT',
    });
    expect(response.closedAfterMs).toBeLessThan(CUT_WITHIN_MS);
    const [{ n }] = await t.dataSource.query<{ n: string }[]>(
      'SELECT count(*) AS n FROM wallet_transactions',
    );
    expect(n).toBe('0');
  });

  it('closes a connection whose headers never end', async () => {
    const response = await rawExchange(
      port,
      ['GET /health HTTP/1.1\r\n', ...Array<string>(20).fill('X-Slow: 1\r\n')],
      { pauseMs: 300 },
    );
    expect(response.status).toBe(408);
    expect(response.closedAfterMs).toBeLessThan(CUT_WITHIN_MS);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { socket, closed } = await open();
    const started = Date.now();
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(CUT_WITHIN_MS);
  });

  it('closes connections beyond the cap at once, and takes new ones when some go', async () => {
    const held = await Promise.all([open(), open(), open()]);
    const beyond = await open();
    const outcome = await Promise.race([
      beyond.closed.then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('open'), 500)),
    ]);
    expect(outcome).toBe('closed');
    held.forEach(({ socket }) => socket.destroy());
    await Promise.all(held.map(({ closed }) => closed));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await rawExchange(port, [
      'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]);
    expect(response.status).toBe(200);
  });
});
