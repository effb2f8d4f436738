import type { Pool } from 'pg';
import { measure, type Measurement } from './measure';

/** Runs of each side a comparison keeps the best of. */
export const ROUNDS = 3;

/** The concurrency most scenarios run at. */
export const CONCURRENCY = 16;

export interface Row extends Measurement {
  /** Transactions PostgreSQL committed a second during the run (pg_stat_database.xact_commit). */
  commitsPerSec?: number;
  ratio?: number;
  baseline?: string;
  seconds?: number;
  peakRssMb?: number;
  /** CPU per operation (one request, or a purchase's two). */
  cpuUsPerOp?: { server: number; client: number; postgres: number };
  /** Operations a second of each round, in order (compareFlows). */
  roundsPerSec?: number[];
}

export interface CompareOptions {
  concurrency?: number;
  /** Wraps each service run, to note more than its timing. */
  observe?: (run: () => Promise<Measurement>) => Promise<Row>;
  /**
   * Count PostgreSQL's commits during each run, baseline's and service's:
   * the pools they commit on (see withCommits).
   */
  commitsOn?: Pool[];
}

/**
 * Baseline and service ROUNDS times each, interleaved (A B A B …) so that
 * neither profits from running later on a warmer or emptier server; the best
 * run of each is kept (this 2-core machine is noisy). `observe` wraps each
 * service run, to note more than its timing.
 */
export async function compare(
  scenario: string,
  ops: number,
  baseline: () => Promise<unknown>,
  service: () => Promise<unknown>,
  options: CompareOptions = {},
): Promise<Row[]> {
  return compareFlows(
    `baseline-${scenario}`,
    baseline,
    [{ scenario, ops, run: service, observe: options.observe }],
    options,
  );
}

/** A service the baseline is compared with (compareFlows). */
export interface Flow {
  scenario: string;
  ops: number;
  run: () => Promise<unknown>;
  observe?: CompareOptions['observe'];
}

/**
 * The baseline and each flow ROUNDS times, interleaved round by round (the
 * baseline, then the flows, their order rotated each round so that none
 * always follows another): flows compared with one another then ran in the
 * same minutes, beside the same baseline, rather than a minute apart on a
 * machine whose speed drifts. The baseline runs as many operations as the
 * first flow. The best run of each is kept, each flow's ratio taken to the
 * baseline's best; each flow's rounds are kept too (`roundsPerSec`), for
 * ratios round by round.
 */
export async function compareFlows(
  baselineScenario: string,
  baseline: () => Promise<unknown>,
  flows: [Flow, ...Flow[]],
  options: Omit<CompareOptions, 'observe'> = {},
): Promise<Row[]> {
  const concurrency = options.concurrency ?? CONCURRENCY;
  const counted = (run: () => Promise<Row>) =>
    options.commitsOn ? withCommits(options.commitsOn, run) : run();
  const baselineRuns: Row[] = [];
  const flowRuns: Row[][] = flows.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    baselineRuns.push(
      await counted(() =>
        measure(baselineScenario, flows[0].ops, concurrency, baseline),
      ),
    );
    for (let turn = 0; turn < flows.length; turn++) {
      const index = (turn + round) % flows.length;
      const flow = flows[index];
      const observe = flow.observe ?? ((run) => run());
      flowRuns[index].push(
        await counted(() =>
          observe(() =>
            measure(flow.scenario, flow.ops, concurrency, flow.run),
          ),
        ),
      );
    }
  }
  const baselineBest = best(baselineRuns);
  return [
    baselineBest,
    ...flowRuns.map((runs) => {
      const flowBest = best(runs);
      return {
        ...flowBest,
        ratio: ratio(flowBest, baselineBest),
        baseline: baselineBest.scenario,
        roundsPerSec: runs.map((run) => run.perSec),
      };
    }),
  ];
}

export function best<T extends Measurement>(runs: T[]): T {
  return runs.reduce((a, b) => (b.perSec > a.perSec ? b : a));
}

export function ratio(service: Measurement, baseline: Measurement): number {
  return Math.round((service.perSec / baseline.perSec) * 100) / 100;
}

/**
 * The run, with the commits PostgreSQL counted during it, read on the first
 * of `pools`, the pools the runs commit on. A backend reports its counts
 * when it goes idle, but at most once a second: one that reported less than
 * a second before holds them for ten more. So before each read every idle
 * connection of the pools is asked to report at once.
 */
export async function withCommits(
  pools: Pool[],
  run: () => Promise<Row>,
): Promise<Row> {
  // Each read commits, and so does each request to report: the count
  // after the run holds those of its own requests and of the read before.
  const commits = async () => {
    const requests = (await Promise.all(pools.map(reportNow))).reduce(
      (sum, n) => sum + n,
      0,
    );
    const { rows } = await pools[0].query<{ n: string }>(
      `SELECT pg_stat_clear_snapshot(), xact_commit AS n
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    return { count: Number(rows[0].n), requests };
  };
  const before = await commits();
  const measured = await run();
  const after = await commits();
  const seconds = measured.ops / measured.perSec;
  const committed = after.count - before.count - after.requests - 1;
  return { ...measured, commitsPerSec: Math.round(committed / seconds) };
}

// A transaction that read no table would leave nothing to report, and its
// own commit would wait for the backend's next report: this one reads
// pg_database, so it reports itself with the rest.
const REPORT_NOW = `SELECT pg_stat_force_next_flush()
                      FROM pg_database WHERE datname = current_database()`;

/** Has each idle connection of the pool report its counts now: how many. */
async function reportNow(pool: Pool): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: pool.idleCount }, () => pool.connect()),
  );
  try {
    await Promise.all(clients.map((client) => client.query(REPORT_NOW)));
  } finally {
    for (const client of clients) {
      client.release();
    }
  }
  return clients.length;
}
