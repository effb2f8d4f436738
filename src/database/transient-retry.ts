import { transientRetriesTotal } from '../metrics/metrics';
import { isTransientPostgresError } from './postgres-error';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 4,
  maxDelayMs: 200,
};

/**
 * Runs `operation` again when PostgreSQL reports a serialization failure or a
 * deadlock, with exponential backoff and full jitter so that colliding callers
 * spread out. Each operation is one transaction, so a retry repeats all or
 * nothing. Any other error, and the last transient one, surface unchanged.
 */
export async function retryTransient<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  sleep: (ms: number) => Promise<void> = delay,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.attempts || !isTransientPostgresError(error)) {
        throw error;
      }
      transientRetriesTotal.inc();
      const ceiling = Math.min(
        policy.maxDelayMs,
        policy.baseDelayMs * 2 ** attempt,
      );
      await sleep(Math.random() * ceiling);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
