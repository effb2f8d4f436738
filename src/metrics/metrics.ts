import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';

/**
 * Every metric the server exposes at GET /metrics (metrics-server.ts), in
 * one registry for the process. Code that counts imports the metric it
 * counts; nothing here imports the project, so any layer may.
 */
export const metricsRegistry = new Registry();

/** What a request answered, by method, route pattern (never a raw id) and status. */
export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from a request received to its response sent, by method, route pattern (`unmatched` for none) and status',
  labelNames: ['method', 'route', 'status'] as const,
  // From a read answered from memory to the statement bound's order.
  buckets: [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ],
  registers: [metricsRegistry],
});

export const MOVEMENT_KINDS = ['credit', 'debit', 'transfer'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/**
 * A movement's end: `ok` written now, `replayed` an earlier result for its
 * key, `refused` a domain refusal (no funds, unknown profile, a key used for
 * another request), `busy` a bound passed (503, nothing written),
 * `unavailable` the database lost (503, maybe written: a keyed retry tells),
 * `error` anything unexpected (500).
 */
export const MOVEMENT_OUTCOMES = [
  'ok',
  'replayed',
  'refused',
  'busy',
  'unavailable',
  'error',
] as const;
export type MovementOutcome = (typeof MOVEMENT_OUTCOMES)[number];

export const movementsTotal = new Counter({
  name: 'deltacrown_movements_total',
  help: 'Credits, debits and transfers that reached the ledger, by kind and outcome (ok, replayed, refused, busy, unavailable, error)',
  labelNames: ['kind', 'outcome'] as const,
  registers: [metricsRegistry],
});
// Every series from the start: a rate over a series born mid-window misses its first count.
for (const kind of MOVEMENT_KINDS) {
  for (const outcome of MOVEMENT_OUTCOMES) {
    movementsTotal.inc({ kind, outcome }, 0);
  }
}

export const idempotentReplaysTotal = new Counter({
  name: 'deltacrown_idempotent_replays_total',
  help: 'Keyed requests answered with the result of an earlier request with the same key, by route pattern',
  labelNames: ['route'] as const,
  registers: [metricsRegistry],
});

export const transientRetriesTotal = new Counter({
  name: 'deltacrown_transient_retries_total',
  help: 'Transactions run again after a serialization failure or a deadlock',
  registers: [metricsRegistry],
});

/** What the gauges read of a pg Pool, at each scrape. */
export interface PoolCounts {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

let observedPool: PoolCounts | undefined;

/** The pool the gauges read from now on; undefined: none (they stay at 0). */
export function observePool(pool: PoolCounts | undefined): void {
  observedPool = pool;
}

new Gauge({
  name: 'deltacrown_db_pool_connections_in_use',
  help: 'Pooled database connections checked out now',
  registers: [metricsRegistry],
  collect() {
    this.set(
      observedPool ? observedPool.totalCount - observedPool.idleCount : 0,
    );
  },
});

new Gauge({
  name: 'deltacrown_db_pool_requests_waiting',
  help: 'Requests for a pooled database connection waiting for one to come free',
  registers: [metricsRegistry],
  collect() {
    this.set(observedPool?.waitingCount ?? 0);
  },
});

let defaultsCollected = false;

/**
 * prom-client's process metrics (CPU, memory, event loop lag, GC), from
 * the first metrics server on: a process that serves none (the admin
 * console) pays nothing for them.
 */
export function collectProcessMetrics(): void {
  if (!defaultsCollected) {
    collectDefaultMetrics({ register: metricsRegistry });
    defaultsCollected = true;
  }
}
