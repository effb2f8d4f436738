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

/**
 * The database could not be reached, or the connection was lost or cannot
 * write (a primary going away, a failover under way). The work may or may
 * not have been committed: a request sent again with its idempotency key is
 * either done then or answered as the replay of what was.
 */
export class DatabaseUnavailable extends DomainError {
  readonly code = 'UNAVAILABLE';
}

/** Seconds a client is told to wait before it tries a BUSY request again. */
export const BUSY_RETRY_AFTER_SECONDS = 1;

/** A failover takes seconds: no use asking again at once. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/** How HTTP answers the database's refusals. */
export const DATABASE_PROBLEMS: ProblemTable<
  'FINAL_RECORD' | 'BUSY' | 'UNAVAILABLE'
> = {
  FINAL_RECORD: { status: 409, code: 'CONFLICT' },
  BUSY: { status: 503, retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS },
  UNAVAILABLE: {
    status: 503,
    retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
  },
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
  if (code === PostgresErrorCode.TooManyConnections) {
    // Refused while connecting (every instance reconnecting after a
    // failover, say): nothing was sent.
    return new DatabaseBusy(
      'the database refused a new connection: it has too many',
    );
  }
  if (error instanceof Error && error.message === POOL_WAIT_PASSED) {
    return new DatabaseBusy('no database connection came free in time');
  }
  return null;
}

/** Node's socket errors: the server is not there, or went away. */
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATEs of a server that is stopping, starting, or no longer a primary.
const UNAVAILABLE_STATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, or in recovery)
  '25006', // read_only_sql_transaction: reached a replica
]);

// pg's words for a connection that ended or timed out on the client's side.
const LOST_CONNECTION =
  /^(Connection terminated|Query read timeout|Client has encountered a connection error|Connection ended)/;

/** `error` as DatabaseUnavailable when it says the database could not be used; null otherwise. */
export function unavailableErrorOf(error: unknown): DatabaseUnavailable | null {
  if (error instanceof DatabaseUnavailable) {
    return error;
  }
  const { code } = postgresErrorOf(error);
  const lost =
    (code !== undefined &&
      (SOCKET_ERRORS.has(code) ||
        UNAVAILABLE_STATES.has(code) ||
        // connection_exception and its subclasses, but protocol_violation:
        // a malformed message of ours, a bug rather than an outage
        (code.startsWith('08') && code !== '08P01'))) ||
    (error instanceof Error && LOST_CONNECTION.test(error.message));
  return lost
    ? new DatabaseUnavailable(
        'the database is unavailable; a request sent again with its Idempotency-Key is safe',
      )
    : null;
}

/** `error` as the database's domain error for a passed bound or a lost database; else itself. */
export function databaseErrorOf(error: unknown): unknown {
  return busyErrorOf(error) ?? unavailableErrorOf(error) ?? error;
}
