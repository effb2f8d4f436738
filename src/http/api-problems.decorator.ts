import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDetails } from './problem-details';

const DESCRIPTIONS: Record<number, string> = {
  400: 'malformed input (VALIDATION_FAILED, INVALID_AMOUNT)',
  401: 'missing or invalid bearer token (UNAUTHORIZED)',
  403: 'role or ownership missing (FORBIDDEN)',
  404: 'unknown profile, tournament or registration (NOT_FOUND)',
  409: 'Idempotency-Key reused with another body (IDEMPOTENCY_CONFLICT), a username or email already taken (VALIDATION_FAILED), a profile already registered (ALREADY_REGISTERED)',
  413: 'request body over 16 KiB (VALIDATION_FAILED)',
  415: 'request body not application/json (VALIDATION_FAILED)',
  422: 'refused by a business rule (INSUFFICIENT_FUNDS, INVALID_WALLET, REGISTRATION_NOT_VERIFIED, TOURNAMENT_NOT_COMPLETED, TOURNAMENT_CLOSED)',
  429: 'a player over its requests a minute (RATE_LIMITED); Retry-After says when to try again',
  500: 'unexpected error, without internals (INTERNAL)',
};

const RETRY_AFTER = {
  'Retry-After': {
    description: 'seconds until the oldest counted request is a minute old',
    schema: { type: 'integer' },
  },
};

/**
 * The problem responses a route can give, for OpenAPI (its bearer auth comes
 * with its callers: CallableBy).
 */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDetails),
    ...[401, 403, 500, ...statuses].map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(ProblemDetails) },
          },
        },
        ...(status === 429 ? { headers: RETRY_AFTER } : {}),
      }),
    ),
  );
}
