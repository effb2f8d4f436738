import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system, ms) used so far by the given processes, from /proc. */
export function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
        .split(') ')[1]
        .split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process has exited: its time is gone with it
    }
  }
  return ticks * 10;
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
