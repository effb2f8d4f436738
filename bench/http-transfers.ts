import { JwtService } from '@nestjs/jwt';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../test/support/free-port';
import { KeepAliveClient } from './keep-alive-client';

const SERVER = join(__dirname, '..', 'dist', 'src', 'main.js');
const SECRET = 'bench-secret-'.padEnd(48, 'b');

// Shared by every server this process starts: a key is never used twice.
let sequence = 0;

export interface RunningServer {
  pid: number;
  /** POST /transfers, authenticated, with a fresh Idempotency-Key. */
  transfer(
    fromProfileId: number,
    toProfileId: number,
    amount: number,
  ): Promise<void>;
  /**
   * A purchase of one `sku` for the profile, then its confirm: the shop's
   * two requests, as the module granting the goods makes them.
   */
  purchase(profileId: number, sku: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The built server as a process of its own on `database`, configured as
 * `npm start` configures it (its default pool size among the rest), and a
 * keep-alive client with `sockets` connections, as another module of the
 * platform calls it.
 */
export async function startServer(
  database: { url: string; migrationUrl: string },
  sockets: number,
  logLevel: string,
): Promise<RunningServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [SERVER], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      DATABASE_MIGRATION_URL: database.migrationUrl,
      PORT: String(port),
      // Served, as in production, on a port of its own for this run.
      METRICS_PORT: String(await freePort()),
      JWT_SECRET: SECRET,
      LOG_LEVEL: logLevel,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHealth(port);
  const token = new JwtService({ secret: SECRET }).sign(
    { sub: '1', roles: ['service'] },
    { expiresIn: '1h' },
  );
  const client = await KeepAliveClient.open(port, sockets);
  const headers = { Authorization: `Bearer ${token}` };
  return {
    pid: child.pid!,
    transfer: async (fromProfileId, toProfileId, amount) => {
      sequence += 1;
      const { status } = await client.post(
        '/transfers',
        { ...headers, 'Idempotency-Key': `bench-${process.pid}-${sequence}` },
        JSON.stringify({ fromProfileId, toProfileId, amount }),
      );
      if (status !== 201) {
        throw new Error(`POST /transfers answered ${status}`);
      }
    },
    purchase: async (profileId, sku) => {
      sequence += 1;
      const created = await client.post(
        '/purchases',
        { ...headers, 'Idempotency-Key': `bench-${process.pid}-${sequence}` },
        JSON.stringify({ profileId, lines: [{ sku, quantity: 1 }] }),
      );
      if (created.status !== 201) {
        throw new Error(`POST /purchases answered ${created.status}`);
      }
      const { id } = JSON.parse(created.body.toString()) as { id: number };
      const confirmed = await client.post(
        `/purchases/${id}/confirm`,
        headers,
        '{}',
      );
      if (confirmed.status !== 200) {
        throw new Error(
          `POST /purchases/${id}/confirm answered ${confirmed.status}`,
        );
      }
    },
    stop: async () => {
      client.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitForHealth(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.status === 200) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the server did not become healthy within 60 s');
}
