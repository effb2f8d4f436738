import { DomainError } from '../common/domain-error';

/** Stable codes of every payout error. */
export enum PayoutErrorCode {
  TournamentNotFound = 'TOURNAMENT_NOT_FOUND',
  RegistrationNotFound = 'REGISTRATION_NOT_FOUND',
  RegistrationNotVerified = 'REGISTRATION_NOT_VERIFIED',
  TournamentNotCompleted = 'TOURNAMENT_NOT_COMPLETED',
  TournamentClosed = 'TOURNAMENT_CLOSED',
  AlreadyRegistered = 'ALREADY_REGISTERED',
  InvalidPlacements = 'INVALID_PLACEMENTS',
  PrizeAlreadyRecorded = 'PRIZE_ALREADY_RECORDED',
}

/** Base of every error PayoutModule raises on purpose. */
export abstract class PayoutError extends DomainError {
  abstract override readonly code: PayoutErrorCode;
}

export class TournamentNotFound extends PayoutError {
  readonly code = PayoutErrorCode.TournamentNotFound;
}

export class RegistrationNotFound extends PayoutError {
  readonly code = PayoutErrorCode.RegistrationNotFound;
}

/** Not (or no longer) verified: it is owed nothing. */
export class RegistrationNotVerified extends PayoutError {
  readonly code = PayoutErrorCode.RegistrationNotVerified;
}

export class TournamentNotCompleted extends PayoutError {
  readonly code = PayoutErrorCode.TournamentNotCompleted;
}

/** Takes no registrations, or has its placements already. */
export class TournamentClosed extends PayoutError {
  readonly code = PayoutErrorCode.TournamentClosed;
}

export class AlreadyRegistered extends PayoutError {
  readonly code = PayoutErrorCode.AlreadyRegistered;
}

export class InvalidPlacements extends PayoutError {
  readonly code = PayoutErrorCode.InvalidPlacements;
}

/** A new payout found its prize recorded already: paying would pay twice. */
export class PrizeAlreadyRecorded extends PayoutError {
  readonly code = PayoutErrorCode.PrizeAlreadyRecorded;
}
