/** Stable codes of every payout error. */
export enum PayoutErrorCode {
  TournamentNotFound = 'TOURNAMENT_NOT_FOUND',
  RegistrationNotFound = 'REGISTRATION_NOT_FOUND',
  RegistrationNotVerified = 'REGISTRATION_NOT_VERIFIED',
  TournamentNotCompleted = 'TOURNAMENT_NOT_COMPLETED',
  TournamentClosed = 'TOURNAMENT_CLOSED',
  AlreadyRegistered = 'ALREADY_REGISTERED',
  InvalidPlacements = 'INVALID_PLACEMENTS',
  /** A new payout found its prize recorded already: paying would pay twice. */
  PrizeAlreadyRecorded = 'PRIZE_ALREADY_RECORDED',
}

/** Base of every error PayoutModule raises on purpose; messages carry ids only. */
export class PayoutError extends Error {
  constructor(
    readonly code: PayoutErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PayoutError';
  }
}
