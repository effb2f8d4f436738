import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { signalPostmaster } from './postmaster';
import { isAlive, processStartTime } from './process-identity';

/**
 * The processes using one embedded cluster, one file each, named by pid and
 * holding the process's start time: the last to leave stops the cluster,
 * whichever process started it (a CLI run may start it and the server then
 * use it). A file whose process is gone, or whose pid now names another
 * process (pids are reused), is not a user, and is removed.
 */
export class ClusterUsers {
  private readonly own: string;

  constructor(private readonly folder: string) {
    this.own = resolve(folder, String(process.pid));
  }

  async join(): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    await writeFile(this.own, processStartTime(process.pid));
  }

  /** Leaves; stops the cluster with `stop` when no other process uses it. */
  async leave(stop: () => Promise<void>): Promise<void> {
    if (this.leftLast()) {
      await stop();
    }
  }

  /** `leave` as this process exits: only synchronous work runs then. */
  leaveAtExit(databaseDir: string, log: (message: string) => void): void {
    process.once('exit', () => {
      if (this.leftLast()) {
        // A fast shutdown, which the postmaster finishes on its own.
        signalPostmaster(databaseDir, log);
      }
    });
  }

  /** Removes this process's file; whether no other user remains. */
  private leftLast(): boolean {
    rmSync(this.own, { force: true });
    return !this.othersRemain();
  }

  private othersRemain(): boolean {
    let remain = false;
    for (const name of readdirSync(this.folder)) {
      const file = resolve(this.folder, name);
      const pid = Number(name);
      let started: string;
      try {
        started = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      if (
        Number.isSafeInteger(pid) &&
        isAlive(pid) &&
        processStartTime(pid) === started
      ) {
        remain = true;
      } else {
        rmSync(file, { force: true });
      }
    }
    return remain;
  }
}
