import { performance } from 'node:perf_hooks';

export interface Measurement {
  scenario: string;
  ops: number;
  perSec: number;
  p50ms: number;
  p99ms: number;
}

/**
 * Runs `operation` `ops` times from `concurrency` workers pulling from one
 * shared counter; records each call's latency.
 */
export async function measure(
  scenario: string,
  ops: number,
  concurrency: number,
  operation: (index: number) => Promise<unknown>,
): Promise<Measurement> {
  const latencies = new Float64Array(ops);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < ops; index = next++) {
      const started = performance.now();
      await operation(index);
      latencies[index] = performance.now() - started;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return {
    scenario,
    ops,
    perSec: round((ops * 1000) / elapsedMs),
    p50ms: round(percentile(sorted, 0.5)),
    p99ms: round(percentile(sorted, 0.99)),
  };
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[
    Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))
  ];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
