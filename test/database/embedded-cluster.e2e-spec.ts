// Several processes sharing one embedded cluster (the server, CLI runs, the
// TypeORM CLI), as real child processes: whoever starts it, the last one to
// let go of it stops it; two starting it at once both get it; a crash's
// stale postmaster.pid does not stop it from starting. And who may log in:
// no other OS user, no password but those generated in DATA_DIR.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { childEnvironment } from '../support/child-environment';
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
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'test/support/cluster-user.ts'],
      {
        cwd: REPO_ROOT,
        env: childEnvironment({
          DATA_DIR: dataDir,
          EMBEDDED_POSTGRES_PORT: String(port),
        }),
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

  const superuserPassword = () =>
    readFile(join(dataDir, 'postgres-superuser-password'), 'utf8');

  /** Logs in over the loopback and runs `sql`: its rows. */
  async function asRole(
    role: string,
    password: string,
    sql = 'SELECT 1',
    database = 'postgres',
  ): Promise<unknown[]> {
    const client = new Client({
      connectionString: `postgres://${role}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    });
    try {
      await client.connect();
      return (await client.query<Record<string, unknown>>(sql)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async function answers(): Promise<boolean> {
    return asRole('postgres', await superuserPassword()).then(
      () => true,
      () => false,
    );
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

  it('logs in only with the passwords generated in DATA_DIR, readable by their owner alone, never postgres/postgres', async () => {
    const user = startUser();
    await user.ready;
    const passwords = ['postgres-superuser-password', 'postgres-app-password'];
    for (const name of passwords) {
      expect((await stat(join(dataDir, name))).mode & 0o777).toBe(0o600);
    }
    const [superuser, application] = await Promise.all(
      passwords.map((name) => readFile(join(dataDir, name), 'utf8')),
    );
    expect(superuser).not.toBe(application);
    await expect(asRole('postgres', superuser)).resolves.toEqual([
      { '?column?': 1 },
    ]);
    await expect(
      asRole(
        'deltacrown_app',
        application,
        'SELECT current_user AS role',
        'deltacrown_economy',
      ),
    ).resolves.toEqual([{ role: 'deltacrown_app' }]);
    await expect(asRole('postgres', 'postgres')).rejects.toThrow(
      /password authentication failed/,
    );
    expect(await user.send('stop')).toBe(0);
  });

  it("listens on the loopback, its socket in a folder of DATA_DIR only the postmaster's OS user may enter", async () => {
    const user = startUser();
    await user.ready;
    const socketDir = join(dataDir, 'postgres-socket');
    const folder = await stat(socketDir);
    expect(folder.mode & 0o777).toBe(0o700);
    expect(folder.uid).toBe((await stat(join(dataDir, 'postgres'))).uid);
    expect(await readdir(socketDir)).toContain(`.s.PGSQL.${port}`);
    // PostgreSQL's own default, where any OS user may connect.
    expect(existsSync(`/tmp/.s.PGSQL.${port}`)).toBe(false);
    await expect(
      asRole(
        'postgres',
        await superuserPassword(),
        `SELECT current_setting('listen_addresses') AS listen,
                current_setting('unix_socket_directories') AS sockets`,
      ),
    ).resolves.toEqual([{ listen: '127.0.0.1', sockets: `"${socketDir}"` }]);
    expect(await user.send('stop')).toBe(0);
  });

  // Another OS user exists to be tried only where this one is root.
  (userInfo().uid === 0 ? it : it.skip)(
    'lets another OS user neither through its socket nor read its passwords',
    async () => {
      const user = startUser();
      await user.ready;
      const tries = `
        const { Client } = require('pg');
        const { readFileSync } = require('node:fs');
        const [socketDir, port, ...files] = process.argv.slice(1);
        const failure = (error) => error.code ?? error.message;
        void (async () => {
          const outcome = { files: [] };
          const client = new Client({ host: socketDir, port, user: 'postgres' });
          outcome.socket = await client.connect().then(() => 'logged in', failure);
          await client.end().catch(() => undefined);
          for (const file of files) {
            try { readFileSync(file); outcome.files.push('read'); }
            catch (error) { outcome.files.push(failure(error)); }
          }
          process.stdout.write(JSON.stringify(outcome));
        })();`;
      const nobody = { uid: 65534, gid: 65534 };
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '-e',
          tries,
          join(dataDir, 'postgres-socket'),
          String(port),
          join(dataDir, 'postgres-superuser-password'),
          join(dataDir, 'postgres-app-password'),
        ],
        { cwd: REPO_ROOT, ...nobody },
      );
      expect(JSON.parse(stdout)).toEqual({
        socket: 'EACCES',
        files: ['EACCES', 'EACCES'],
      });
      expect(await user.send('stop')).toBe(0);
    },
  );

  it('takes the superuser postgres/postgres of a cluster made by an earlier version away, keeping its data', async () => {
    await promisify(execFile)(
      process.execPath,
      [
        'test/support/legacy-cluster.mjs',
        join(dataDir, 'postgres'),
        String(port),
      ],
      { cwd: REPO_ROOT },
    );
    const user = startUser();
    await user.ready;
    await expect(asRole('postgres', 'postgres')).rejects.toThrow(
      /password authentication failed/,
    );
    await expect(
      asRole(
        'postgres',
        await superuserPassword(),
        'SELECT coins FROM kept',
        'deltacrown_economy',
      ),
    ).resolves.toEqual([{ coins: 500 }]);
    // PostgreSQL's own default, where any OS user may connect.
    expect(existsSync(`/tmp/.s.PGSQL.${port}`)).toBe(false);
    expect(await user.send('stop')).toBe(0);
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
