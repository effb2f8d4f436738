import type { Attempt } from './http-attempt';
import type { KeyedRequest } from './keyed-requests';

export interface Outage {
  /** First answer other than 201 after the kill (ms since the epoch). */
  firstFailureAt?: number;
  lastFailureAt?: number;
  /** The first 201 to a request sent after that first failure. */
  recoveredAt?: number;
  /** Answers other than 201 after the kill: count and slowest, by label. */
  failures: Map<string, { count: number; slowestMs: number }>;
  acknowledgedAfterKill: number;
  replays: number;
  slowestAcknowledgedMs: number;
}

/**
 * What the clients saw from the kill on. The failover ends at the first 201
 * to a request sent after the first failure: a request sent before may have
 * committed before the kill and been answered just after it.
 */
export function outageSeenBy(
  requests: KeyedRequest[],
  killedAt: number,
): Outage {
  const after = requests
    .flatMap((request) => request.attempts)
    .filter((attempt) => attempt.answeredAt >= killedAt)
    .sort((a, b) => a.answeredAt - b.answeredAt);
  const failed = after.filter((attempt) => attempt.status !== 201);
  const acknowledged = after.filter((attempt) => attempt.status === 201);
  const firstFailureAt = failed[0]?.answeredAt;
  const failures = new Map<string, { count: number; slowestMs: number }>();
  for (const attempt of failed) {
    const seen = failures.get(attempt.label) ?? { count: 0, slowestMs: 0 };
    failures.set(attempt.label, {
      count: seen.count + 1,
      slowestMs: Math.max(seen.slowestMs, durationMs(attempt)),
    });
  }
  return {
    firstFailureAt,
    lastFailureAt: failed.at(-1)?.answeredAt,
    recoveredAt:
      firstFailureAt === undefined
        ? undefined
        : acknowledged.find((attempt) => attempt.sentAt > firstFailureAt)
            ?.answeredAt,
    failures,
    acknowledgedAfterKill: acknowledged.length,
    replays: acknowledged.filter((attempt) => attempt.replayed).length,
    slowestAcknowledgedMs: Math.max(0, ...acknowledged.map(durationMs)),
  };
}

function durationMs(attempt: Attempt): number {
  return attempt.answeredAt - attempt.sentAt;
}
