/** The fields of a pg DatabaseError we act on; TypeORM keeps it as `driverError`. */
interface PostgresErrorFields {
  code?: string;
  constraint?: string;
  detail?: string;
}

export const PostgresErrorCode = {
  SerializationFailure: '40001',
  DeadlockDetected: '40P01',
  CheckViolation: '23514',
  UniqueViolation: '23505',
  ForeignKeyViolation: '23503',
  NumericValueOutOfRange: '22003',
  InvalidTextRepresentation: '22P02',
  UntranslatableCharacter: '22P05',
  // A trigger refusing to change a final record (the ledger, payout terms).
  RestrictViolation: '23001',
  // PostgreSQL is stopping, or an admin ended the session.
  AdminShutdown: '57P01',
  // A bound passed: lock_timeout, statement_timeout.
  LockNotAvailable: '55P03',
  QueryCanceled: '57014',
  TooManyConnections: '53300',
  // economy_move_batch left keyed movements out (see its migration).
  BatchMovementsLeftOut: 'DC001',
} as const;

export function postgresErrorOf(error: unknown): PostgresErrorFields {
  if (typeof error !== 'object' || error === null) {
    return {};
  }
  const driverError = (error as { driverError?: unknown }).driverError;
  const source = (
    typeof driverError === 'object' && driverError !== null
      ? driverError
      : error
  ) as PostgresErrorFields;
  return {
    code: source.code,
    constraint: source.constraint,
    detail: source.detail,
  };
}

/**
 * Whether `code` is a SQLSTATE, PostgreSQL's own answer (five digits or
 * capitals), rather than a code of Node's (`ECONNRESET`, `EPROTO`,
 * `ERR_SSL_…`) for a connection that failed before the answer came.
 */
export function isSqlState(code: string | undefined): code is string {
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code);
}

export function isTransientPostgresError(error: unknown): boolean {
  const { code } = postgresErrorOf(error);
  return (
    code === PostgresErrorCode.SerializationFailure ||
    code === PostgresErrorCode.DeadlockDetected
  );
}
