import { DomainError, type ProblemTable } from '../common/domain-error';
import { PostgresErrorCode, postgresErrorOf } from './postgres-error';

/**
 * A change PostgreSQL refused because what it would change is final: a
 * trigger guards it (SQLSTATE 23001), like the ledger's rows or a completed
 * tournament's terms. Its message is the trigger's, which names ids only.
 */
export class FinalRecordChange extends DomainError {
  readonly code = 'FINAL_RECORD';
}

/**
 * A bound passed before the work could be done: a lock waited for longer
 * than the lock bound, a statement ran past the statement bound, or no
 * pooled connection came free in time. Nothing was written; trying again
 * later may succeed.
 */
export class DatabaseBusy extends DomainError {
  readonly code = 'BUSY';
}

/** Seconds a client is told to wait before it tries a BUSY request again. */
export const BUSY_RETRY_AFTER_SECONDS = 1;

/** How HTTP answers the database's refusals. */
export const DATABASE_PROBLEMS: ProblemTable<'FINAL_RECORD' | 'BUSY'> = {
  FINAL_RECORD: { status: 409, code: 'CONFLICT' },
  BUSY: { status: 503, retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS },
};

// pg-pool's words when connectionTimeoutMillis passes (it sets no code).
const POOL_WAIT_PASSED = 'timeout exceeded when trying to connect';

/** `error` as DatabaseBusy when it says a bound passed; null otherwise. */
export function busyErrorOf(error: unknown): DatabaseBusy | null {
  if (error instanceof DatabaseBusy) {
    return error;
  }
  const { code } = postgresErrorOf(error);
  if (code === PostgresErrorCode.LockNotAvailable) {
    return new DatabaseBusy('a lock was held for longer than the lock bound');
  }
  if (code === PostgresErrorCode.QueryCanceled) {
    return new DatabaseBusy('a statement ran past the statement bound');
  }
  if (error instanceof Error && error.message === POOL_WAIT_PASSED) {
    return new DatabaseBusy('no database connection came free in time');
  }
  return null;
}
