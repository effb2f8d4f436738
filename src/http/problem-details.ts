import { ApiProperty } from '@nestjs/swagger';

/**
 * The codes the HTTP edge itself answers with, stable across releases. Each
 * module adds its own (see ProblemTable), the code of the domain error.
 */
export enum ProblemCode {
  ValidationFailed = 'VALIDATION_FAILED',
  InvalidAmount = 'INVALID_AMOUNT',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  Internal = 'INTERNAL',
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

  @ApiProperty({
    description:
      "stable: VALIDATION_FAILED, INVALID_AMOUNT, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, METHOD_NOT_ALLOWED, REQUEST_TIMEOUT, RATE_LIMITED, INTERNAL, or a module's own (INSUFFICIENT_FUNDS, IDEMPOTENCY_CONFLICT, …)",
    pattern: '^[A-Z][A-Z0-9_]*$',
    example: 'INSUFFICIENT_FUNDS',
  })
  code!: string;
}

/** Titles where the code read as a sentence would say it worse. */
const TITLES: Partial<Record<string, string>> = {
  [ProblemCode.Internal]: 'Internal error',
  [ProblemCode.RateLimited]: 'Too many requests',
};

/** `INSUFFICIENT_FUNDS` reads "Insufficient funds". */
function titleOf(code: string): string {
  const words = code.toLowerCase().replace(/_/g, ' ');
  return TITLES[code] ?? words.charAt(0).toUpperCase() + words.slice(1);
}

export function problem(
  status: number,
  code: string,
  detail: string,
): ProblemDetails {
  return {
    type: `urn:deltacrown:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: titleOf(code),
    status,
    detail,
    code,
  };
}
