import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, type TransformFnParams } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  Max,
  Min,
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

export class MovementDto {
  @ApiProperty({
    description: 'whole coins, 1 to 2^53 - 1',
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 100,
  })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;

  @ApiProperty({ enum: CALLER_REASONS, example: 'PARTICIPATION' })
  @IsIn(CALLER_REASONS)
  reason!: LedgerReason;

  @ApiPropertyOptional({
    description: `a JSON object, ${MAX_META_BYTES} bytes at most`,
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  @Validate(MetaSize)
  @Transform(sentMeta)
  meta?: Meta;
}

export class TransferDto {
  @ApiProperty({ example: 12 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  fromProfileId!: number;

  @ApiProperty({ example: 34 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  toProfileId!: number;

  @ApiProperty({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, example: 25 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;

  @ApiPropertyOptional({ enum: CALLER_REASONS })
  @IsOptional()
  @IsIn(CALLER_REASONS)
  reason?: LedgerReason;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @Validate(MetaSize)
  @Transform(sentMeta)
  meta?: Meta;
}

export class OverdraftDto {
  @ApiProperty()
  @IsIn([true, false])
  allowOverdraft!: boolean;
}
