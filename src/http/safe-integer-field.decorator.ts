import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

/**
 * An integer from `minimum` to 2^53 - 1, the largest JavaScript holds
 * exactly: int64 to OpenAPI, since it outgrows 32 bits.
 */
function safeIntegerSchema(minimum: number) {
  return {
    type: 'integer',
    format: 'int64',
    minimum,
    maximum: Number.MAX_SAFE_INTEGER,
  } as const;
}

/** A positive id: of a profile, wallet, transaction, tournament, registration. */
export const ID_SCHEMA = safeIntegerSchema(1);

/** An integer in a response: an id, a number of coins, a balance. */
export const INT64_SCHEMA = { type: 'integer', format: 'int64' } as const;

/**
 * A DTO member that is an integer from `minimum` to 2^53 - 1, validated and
 * documented from the same numbers.
 */
export function SafeIntegerField(
  minimum: number,
  doc: { description?: string; example?: number } = {},
) {
  return applyDecorators(
    ApiProperty({ ...safeIntegerSchema(minimum), ...doc }),
    // The order stacked decorators apply (bottom first), which orders a
    // failure's detail: `max; min; isInt`.
    Max(Number.MAX_SAFE_INTEGER),
    Min(minimum),
    IsInt(),
  );
}

/** A DTO member that is a positive id (see ID_SCHEMA). */
export const IdField = (doc: { description?: string; example?: number }) =>
  SafeIntegerField(1, doc);
