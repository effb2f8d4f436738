import { PostgresErrorCode, postgresErrorOf } from '../database/postgres-error';
import {
  InsufficientFunds,
  InvalidAmount,
  InvalidRequest,
  UnknownProfile,
} from './economy.errors';

/**
 * The database is the last word on the money invariants; this turns its
 * refusals into the domain errors callers handle. `context` names the ids
 * involved, for the message.
 */
export function economyErrorFromPostgres(
  error: unknown,
  context: string,
): Error {
  const { code, constraint } = postgresErrorOf(error);
  const refusal =
    code === PostgresErrorCode.CheckViolation
      ? walletCheckRefusal(constraint, context)
      : null;
  if (refusal !== null) {
    return refusal;
  }
  if (code === PostgresErrorCode.NumericValueOutOfRange) {
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

/**
 * The refusal a wallet CHECK stands for, raised by PostgreSQL or judged
 * ahead of it by a batch (economy_move_batch names the same constraints);
 * null for another constraint.
 */
export function walletCheckRefusal(
  constraint: string | undefined,
  context: string,
): Error | null {
  switch (constraint) {
    case 'wallets_overdraft_check':
      return new InsufficientFunds(`insufficient funds: ${context}`);
    case 'wallets_balance_safe_integer_check':
      return new InvalidAmount(`balance would overflow: ${context}`);
    default:
      return null;
  }
}
