import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, type TransformFnParams } from 'class-transformer';
import {
  IsIn,
  IsObject,
  IsOptional,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import {
  LEDGER_REASONS,
  TRANSFER_LEG_REASONS,
  type LedgerReason,
} from '../../domain/ledger-reason';
import { MAX_META_BYTES, type Meta } from '../../domain/movement-input';
import {
  IdField,
  SafeIntegerField,
} from '../../../http/safe-integer-field.decorator';

/** Reasons a caller may give: the transfer legs' own are the ledger's. */
export const CALLER_REASONS = LEDGER_REASONS.filter(
  (reason) => !TRANSFER_LEG_REASONS.includes(reason),
);

@ValidatorConstraint({ name: 'metaSize' })
export class MetaSize implements ValidatorConstraintInterface {
  validate(meta: unknown): boolean {
    return (
      Buffer.byteLength(JSON.stringify(meta) ?? '', 'utf8') <= MAX_META_BYTES
    );
  }

  defaultMessage(): string {
    return `meta must be at most ${MAX_META_BYTES} bytes of JSON`;
  }
}

/**
 * `meta` as the client sent it: class-transformer would copy it member by
 * member and silently skip one named like a method of Object.prototype
 * (`constructor`, `toString`, …).
 */
function sentMeta({ obj }: TransformFnParams): unknown {
  return (obj as { meta?: unknown }).meta;
}

const META_DOC = {
  description: `a JSON object, ${MAX_META_BYTES} bytes at most`,
  type: 'object',
  additionalProperties: true,
} as const;

/** An optional JSON object of MAX_META_BYTES at most, taken as sent. */
export function MetaField() {
  return applyDecorators(
    ApiPropertyOptional(META_DOC),
    IsOptional(),
    IsObject(),
    Validate(MetaSize),
    Transform(sentMeta),
  );
}

export class MovementDto {
  @SafeIntegerField(1, { description: 'whole coins', example: 100 })
  amount!: number;

  @ApiProperty({ enum: CALLER_REASONS, example: 'PARTICIPATION' })
  @IsIn(CALLER_REASONS)
  reason!: LedgerReason;

  @MetaField()
  meta?: Meta;
}

export class TransferDto {
  @IdField({ description: 'the profile that pays', example: 12 })
  fromProfileId!: number;

  @IdField({ description: 'the profile paid, not fromProfileId', example: 34 })
  toProfileId!: number;

  @SafeIntegerField(1, { description: 'whole coins', example: 25 })
  amount!: number;

  @ApiPropertyOptional({ enum: CALLER_REASONS })
  @IsOptional()
  @IsIn(CALLER_REASONS)
  reason?: LedgerReason;

  @MetaField()
  meta?: Meta;
}

export class OverdraftDto {
  @ApiProperty()
  @IsIn([true, false])
  allowOverdraft!: boolean;
}
