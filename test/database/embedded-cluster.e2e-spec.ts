// Several processes sharing one embedded cluster (the server, CLI runs, the
// TypeORM CLI), as real child processes: whoever starts it, the last one to
// let go of it stops it; two starting it at once both get it; a crash's
// stale postmaster.pid does not stop it from starting.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmod,
  mkdtemp,
  readdir,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../support/free-port';

jest.setTimeout(120_000);

const REPO_ROOT = resolve(__dirname, '..', '..');

interface ClusterUser {
  child: ChildProcess;
  /** Resolves once it holds the cluster. */
  ready: Promise<void>;
  /** Sends a command ("stop" or "exit") and waits for the process to end. */
  send(command: 'stop' | 'exit'): Promise<number | null>;
}

describe('the embedded cluster shared by several processes', () => {
  let dataDir: string;
  let port: number;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'economy-cluster-'));
    await chmod(dataDir, 0o755);
    port = await freePort();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
    }
    const pid = await postmasterPid();
    if (pid !== null && isAlive(pid)) {
      process.kill(pid, 'SIGINT');
      await until(() => !isAlive(pid));
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  function startUser(): ClusterUser {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'test/support/cluster-user.ts'],
      {
        cwd: REPO_ROOT,
        env: {
          ...env,
          DATA_DIR: dataDir,
          EMBEDDED_POSTGRES_PORT: String(port),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let printed = '';
    const exited = new Promise<number | null>((done) =>
      child.once('exit', (code) => done(code)),
    );
    const ready = new Promise<void>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes('ready')) {
          done();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      void exited.then(() =>
        fail(new Error(`exited before ready: ${printed}`)),
      );
    });
    return {
      child,
      ready,
      send: (command) => {
        child.stdin.write(`${command}\n`);
        return exited;
      },
    };
  }

  async function postmasterPid(): Promise<number | null> {
    try {
      return Number(
        (
          await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')
        ).split('\n')[0],
      );
    } catch {
      return null;
    }
  }

  async function answers(): Promise<boolean> {
    const client = new Client({
      connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  it('is stopped by the last process to let go of it, not by the one that started it', async () => {
    const starter = startUser();
    await starter.ready;
    const pid = await postmasterPid();
    const joiner = startUser();
    await joiner.ready;
    expect(await starter.send('stop')).toBe(0);
    expect(await answers()).toBe(true);
    expect(await joiner.send('stop')).toBe(0);
    await expectStopped(pid!);
  });

  it('is shared by two processes that start it at the same moment', async () => {
    const users = [startUser(), startUser()];
    await Promise.all(users.map((user) => user.ready));
    expect(await answers()).toBe(true);
    const pid = await postmasterPid();
    expect(await Promise.all(users.map((user) => user.send('stop')))).toEqual([
      0, 0,
    ]);
    await expectStopped(pid!);
  });

  it('stops when a process that ends with process.exit lets go of it last', async () => {
    const user = startUser();
    await user.ready;
    const pid = await postmasterPid();
    expect(await user.send('exit')).toBe(0);
    await expectStopped(pid!);
  });

  it('is stopped by its last user whatever a killed user left behind, its pid reused or not', async () => {
    const user = startUser();
    await user.ready;
    const pid = await postmasterPid();
    // A user killed outright leaves its file; its pid may then name an
    // unrelated process, started at another time.
    const unrelated = spawn('sleep', ['60']);
    children.push(unrelated);
    const users = join(dataDir, 'postgres-users');
    await writeFile(join(users, String(unrelated.pid)), '1');
    await writeFile(join(users, '999999999'), '');
    expect(await user.send('stop')).toBe(0);
    await expectStopped(pid!);
    expect(await readdir(users)).toEqual([]);
  });

  it('starts over a postmaster.pid a crash left behind, naming another process', async () => {
    const first = startUser();
    await first.ready;
    const lockFile = join(dataDir, 'postgres', 'postmaster.pid');
    const lock = await readFile(lockFile, 'utf8');
    expect(await first.send('stop')).toBe(0);
    await until(async () => (await postmasterPid()) === null);
    // The pid the crash left now names an unrelated live process.
    const unrelated = spawn('sleep', ['60']);
    children.push(unrelated);
    await writeFile(
      lockFile,
      [String(unrelated.pid), ...lock.split('\n').slice(1)].join('\n'),
    );
    const second = startUser();
    await second.ready;
    expect(await answers()).toBe(true);
    expect(await second.send('stop')).toBe(0);
  });
});

/** Waits for the postmaster `pid` to end; fails if it does not. */
async function expectStopped(pid: number): Promise<void> {
  await until(() => !isAlive(pid));
  expect(isAlive(pid)).toBe(false);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(
  condition: () => boolean | Promise<boolean>,
): Promise<void> {
  for (let waited = 0; waited < 20_000 && !(await condition()); waited += 100) {
    await new Promise((done) => setTimeout(done, 100));
  }
}
