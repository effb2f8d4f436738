import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system, ms) used so far by each process, from /proc. */
export function cpuMs(pids: number[]): Map<number, number> {
  const used = new Map<number, number>();
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
        .split(') ')[1]
        .split(' ');
      used.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // the process has exited
    }
  }
  return used;
}

/**
 * CPU used between two readings by the processes alive at the second; one
 * that exited in between (an idle pool connection closing) is left out
 * rather than counted negative.
 */
export function cpuSpentMs(
  before: Map<number, number>,
  after: Map<number, number>,
): number {
  let spent = 0;
  for (const [pid, ms] of after) {
    spent += ms - (before.get(pid) ?? 0);
  }
  return spent;
}

/** The PostgreSQL server processes (postmaster and backends) on this machine. */
export function postgresPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(
          'postgres',
        );
      } catch {
        return false;
      }
    });
}
