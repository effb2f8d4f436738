import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDetails } from './problem-details';

const DESCRIPTIONS: Record<number, string> = {
  400: 'malformed input (VALIDATION_FAILED, INVALID_AMOUNT)',
  401: 'missing or invalid bearer token (UNAUTHORIZED)',
  403: 'role or ownership missing (FORBIDDEN)',
  404: 'unknown profile, tournament, registration, hold, item, purchase or campaign (NOT_FOUND)',
  409: 'Idempotency-Key reused with another body (IDEMPOTENCY_CONFLICT), a username or email already taken (VALIDATION_FAILED), a profile already registered (ALREADY_REGISTERED), a closed hold or purchase (HOLD_STATE, PURCHASE_STATE), a taken sku or promo code (SKU_TAKEN, PROMO_CODE_TAKEN), a campaign the profile redeemed before (PROMO_ALREADY_REDEEMED)',
  413: 'request body over 16 KiB (VALIDATION_FAILED)',
  415: 'request body not application/json (VALIDATION_FAILED)',
  422: 'refused by a business rule (INSUFFICIENT_FUNDS, INVALID_WALLET, REGISTRATION_NOT_VERIFIED, TOURNAMENT_NOT_COMPLETED, TOURNAMENT_CLOSED, OUT_OF_STOCK, ITEM_UNAVAILABLE, LIMIT_EXCEEDED, PROMO_INVALID)',
  429: 'a player over its requests a minute, or a profile with 10 refused promo redemptions in 10 minutes (RATE_LIMITED); Retry-After says when to try again',
  500: 'unexpected error, without internals (INTERNAL)',
  503: 'BUSY: a wallet or the database stayed busy past a bound (a lock wait, a statement, a pooled connection), nothing was written; or UNAVAILABLE: the database could not be reached or was lost (a failover), and the request may or may not have been done. Retry-After says when to try again; sent again with the same Idempotency-Key, a request is done once',
};

const RETRY_AFTER: Record<number, string> = {
  429: 'seconds until the oldest counted request (or refusal) leaves its window',
  503: 'seconds to wait before trying again',
};

/**
 * The problem responses a route can give, for OpenAPI (its bearer auth comes
 * with its callers: CallableBy).
 */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ProblemDetails),
    // Any route may meet a busy database.
    ...[401, 403, 500, 503, ...statuses].map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(ProblemDetails) },
          },
        },
        ...(RETRY_AFTER[status] !== undefined
          ? {
              headers: {
                'Retry-After': {
                  description: RETRY_AFTER[status],
                  schema: { type: 'integer' },
                },
              },
            }
          : {}),
      }),
    ),
  );
}
