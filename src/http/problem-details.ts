import { ApiProperty } from '@nestjs/swagger';

/** The codes an HTTP client may receive, stable across releases. */
export enum ProblemCode {
  ValidationFailed = 'VALIDATION_FAILED',
  InvalidAmount = 'INVALID_AMOUNT',
  InsufficientFunds = 'INSUFFICIENT_FUNDS',
  InvalidWallet = 'INVALID_WALLET',
  IdempotencyConflict = 'IDEMPOTENCY_CONFLICT',
  NotFound = 'NOT_FOUND',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  Internal = 'INTERNAL',
  RegistrationNotVerified = 'REGISTRATION_NOT_VERIFIED',
  TournamentNotCompleted = 'TOURNAMENT_NOT_COMPLETED',
  TournamentClosed = 'TOURNAMENT_CLOSED',
  AlreadyRegistered = 'ALREADY_REGISTERED',
  PrizeAlreadyRecorded = 'PRIZE_ALREADY_RECORDED',
  RateLimited = 'RATE_LIMITED',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  RequestTimeout = 'REQUEST_TIMEOUT',
}

/** An RFC 9457 problem document, as every error response carries it. */
export class ProblemDetails {
  @ApiProperty({ example: 'urn:deltacrown:problem:insufficient-funds' })
  type!: string;

  @ApiProperty({ example: 'Insufficient funds' })
  title!: string;

  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 422 })
  status!: number;

  @ApiProperty({ example: 'insufficient funds: wallet 12' })
  detail!: string;

  @ApiProperty({ enum: ProblemCode })
  code!: ProblemCode;
}

const TITLES: Record<ProblemCode, string> = {
  [ProblemCode.ValidationFailed]: 'Validation failed',
  [ProblemCode.InvalidAmount]: 'Invalid amount',
  [ProblemCode.InsufficientFunds]: 'Insufficient funds',
  [ProblemCode.InvalidWallet]: 'Invalid wallet',
  [ProblemCode.IdempotencyConflict]: 'Idempotency key conflict',
  [ProblemCode.NotFound]: 'Not found',
  [ProblemCode.Unauthorized]: 'Unauthorized',
  [ProblemCode.Forbidden]: 'Forbidden',
  [ProblemCode.Internal]: 'Internal error',
  [ProblemCode.RegistrationNotVerified]: 'Registration not verified',
  [ProblemCode.TournamentNotCompleted]: 'Tournament not completed',
  [ProblemCode.TournamentClosed]: 'Tournament closed',
  [ProblemCode.AlreadyRegistered]: 'Already registered',
  [ProblemCode.PrizeAlreadyRecorded]: 'Prize already recorded',
  [ProblemCode.RateLimited]: 'Too many requests',
  [ProblemCode.MethodNotAllowed]: 'Method not allowed',
  [ProblemCode.RequestTimeout]: 'Request timeout',
};

export function problem(
  status: number,
  code: ProblemCode,
  detail: string,
): ProblemDetails {
  return {
    type: `urn:deltacrown:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[code],
    status,
    detail,
    code,
  };
}
