import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { childEnvironment } from './child-environment';

const REPO_ROOT = resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

export interface ServerProcess {
  child: ChildProcess;
  /** Everything the process printed, stdout and stderr interleaved. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ServerProcess[] = [];

/**
 * The real entry point (src/main.ts) as a child process, with no database
 * settings but `overrides`, and no metrics server unless they set
 * METRICS_PORT (servers started at once would all want port 9464).
 */
export function startServer(overrides: Record<string, string>): ServerProcess {
  const env = childEnvironment({ METRICS_PORT: '0', ...overrides });
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', 'src/main.ts'],
    // Its own process group, so stopStartedServers can reach the embedded
    // PostgreSQL too if the server had to be killed outright.
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const server = { child, output: () => printed, exited };
  started.push(server);
  return server;
}

export function isRunning(server: ServerProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** Polls /health until it answers; fails early if the server dies. */
export async function waitForHealth(
  server: ServerProcess,
  port: number,
): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isRunning(server)) {
      throw new Error(
        `server exited (${String(server.child.exitCode ?? server.child.signalCode)}) before answering /health:\n${server.output()}`,
      );
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`, {
        signal: AbortSignal.timeout(5_000),
      });
      return { status: response.status, body: await response.json() };
    } catch {
      await sleep(250);
    }
  }
  throw new Error(
    `no answer from /health within ${START_TIMEOUT_MS} ms:\n${server.output()}`,
  );
}

/** Resolves as `promise` does, or rejects with `message` after `ms`. */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  message: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function stopServer(
  server: ServerProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  server.child.kill('SIGTERM');
  return within(
    server.exited,
    STOP_TIMEOUT_MS,
    () =>
      `server still running ${STOP_TIMEOUT_MS} ms after SIGTERM:\n${server.output()}`,
  );
}

export async function withDatabase<T>(
  url: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Stops every server started here that still runs: SIGTERM, then SIGKILL to its group. */
export async function stopStartedServers(): Promise<void> {
  for (const server of started.splice(0)) {
    if (!isRunning(server) || server.child.pid === undefined) {
      continue;
    }
    server.child.kill('SIGTERM');
    const stopped = await within(server.exited, 10_000, () => '').then(
      () => true,
      () => false,
    );
    if (!stopped) {
      try {
        process.kill(-server.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await within(server.exited, 5_000, () => '').catch(() => undefined);
    }
  }
}

/** What a server process answered: status, headers and the JSON body. */
export interface ServerAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/** One JSON request to a server process on `port`, as `token`. */
export async function callServer(
  port: number,
  method: string,
  path: string,
  options: {
    token: string;
    body?: unknown;
    headers?: Record<string, string>;
  },
): Promise<ServerAnswer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${options.token}`,
      ...(options.body === undefined
        ? {}
        : { 'Content-Type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: await response.json(),
  };
}
