import { DomainError } from '../common/domain-error';

/** Stable codes: the HTTP problem mapping and CLI exit codes key on these. */
export enum EconomyErrorCode {
  InvalidAmount = 'INVALID_AMOUNT',
  InsufficientFunds = 'INSUFFICIENT_FUNDS',
  InvalidWallet = 'INVALID_WALLET',
  IdempotencyConflict = 'IDEMPOTENCY_CONFLICT',
  ValidationFailed = 'VALIDATION_FAILED',
  LedgerInconsistent = 'LEDGER_INCONSISTENT',
  ProfileNotFound = 'PROFILE_NOT_FOUND',
  HoldNotFound = 'HOLD_NOT_FOUND',
  HoldState = 'HOLD_STATE',
}

/** Base of every error the economy raises on purpose. */
export abstract class EconomyError extends DomainError {
  abstract override readonly code: EconomyErrorCode;
}

/** Zero, negative, fractional, NaN, unsafe amounts, or a balance that would overflow. */
export class InvalidAmount extends EconomyError {
  readonly code = EconomyErrorCode.InvalidAmount;
}

/** The wallet has no overdraft and the movement would take it below zero. */
export class InsufficientFunds extends EconomyError {
  readonly code = EconomyErrorCode.InsufficientFunds;
}

/** Unknown profile or wallet, or a transfer from a wallet to itself. */
export class InvalidWallet extends EconomyError {
  readonly code: EconomyErrorCode = EconomyErrorCode.InvalidWallet;
}

/** The profile does not exist: a wallet of its cannot either. */
export class UnknownProfile extends InvalidWallet {
  override readonly code = EconomyErrorCode.ProfileNotFound;
}

/** An idempotency key reused for another operation or another payload. */
export class IdempotencyConflict extends EconomyError {
  readonly code = EconomyErrorCode.IdempotencyConflict;
}

/** Any other malformed argument: reason, key, meta, pagination. */
export class InvalidRequest extends EconomyError {
  readonly code = EconomyErrorCode.ValidationFailed;
}

/**
 * The ledger itself breaks an invariant a correction cannot restore (a sum
 * below zero without overdraft, say): a case for an operator, not a retry.
 */
export class LedgerInconsistent extends EconomyError {
  readonly code = EconomyErrorCode.LedgerInconsistent;
}

/** No hold has this id. */
export class HoldNotFound extends EconomyError {
  readonly code = EconomyErrorCode.HoldNotFound;
}

/** The hold has ended (captured, released, expired), or cannot be captured so. */
export class HoldState extends EconomyError {
  readonly code = EconomyErrorCode.HoldState;
}
