import {
  InsufficientFunds,
  InvalidAmount,
  InvalidRequest,
  UnknownProfile,
} from '../errors/economy.errors';

/** The fields of a pg DatabaseError we act on; TypeORM keeps it as `driverError`. */
interface PostgresErrorFields {
  code?: string;
  constraint?: string;
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
  // PostgreSQL is stopping, or an admin ended the session.
  AdminShutdown: '57P01',
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
  return { code: source.code, constraint: source.constraint };
}

export function isTransientPostgresError(error: unknown): boolean {
  const { code } = postgresErrorOf(error);
  return (
    code === PostgresErrorCode.SerializationFailure ||
    code === PostgresErrorCode.DeadlockDetected
  );
}

/**
 * The database is the last word on the money invariants; this turns its
 * refusals into the domain errors callers handle. `context` names the ids
 * involved, for the message.
 */
export function domainErrorFromPostgres(
  error: unknown,
  context: string,
): Error {
  const { code, constraint } = postgresErrorOf(error);
  if (
    code === PostgresErrorCode.CheckViolation &&
    constraint === 'wallets_overdraft_check'
  ) {
    return new InsufficientFunds(`insufficient funds: ${context}`);
  }
  if (
    (code === PostgresErrorCode.CheckViolation &&
      constraint === 'wallets_balance_safe_integer_check') ||
    code === PostgresErrorCode.NumericValueOutOfRange
  ) {
    return new InvalidAmount(`balance would overflow: ${context}`);
  }
  if (
    code === PostgresErrorCode.ForeignKeyViolation &&
    constraint === 'wallets_profile_id_fkey'
  ) {
    return new UnknownProfile(`unknown profile: ${context}`);
  }
  if (
    code === PostgresErrorCode.InvalidTextRepresentation ||
    code === PostgresErrorCode.UntranslatableCharacter
  ) {
    // The offending text is left out: it may be anything a caller sent.
    return new InvalidRequest(`text PostgreSQL cannot store: ${context}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
