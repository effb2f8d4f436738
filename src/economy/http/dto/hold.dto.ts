import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import {
  INT64_SCHEMA,
  SafeIntegerField,
} from '../../../http/safe-integer-field.decorator';
import type { Meta } from '../../domain/movement-input';
import {
  HOLD_REASONS,
  MAX_HOLD_SECONDS,
  type HoldReason,
  type HoldStatus,
} from '../../holds/hold.types';
import { MetaField } from './movement.dto';

const HOLD_STATUSES: HoldStatus[] = [
  'PENDING',
  'CAPTURED',
  'RELEASED',
  'EXPIRED',
];

export class HoldDto {
  @SafeIntegerField(1, { description: 'whole coins to reserve', example: 250 })
  amount!: number;

  @ApiProperty({ enum: HOLD_REASONS, example: 'PURCHASE' })
  @IsIn(HOLD_REASONS)
  reason!: HoldReason;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_HOLD_SECONDS,
    default: 600,
    description: 'seconds until the hold expires and its coins are released',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_HOLD_SECONDS)
  expiresInSeconds?: number;

  @MetaField()
  meta?: Meta;
}

export class CaptureDto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int64',
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    description:
      'whole coins to capture, at most the held amount; all of it when absent',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount?: number;
}

export class PlacedHoldResponse {
  @ApiProperty(INT64_SCHEMA) holdId!: number;
  @ApiProperty(INT64_SCHEMA) walletId!: number;
  @ApiProperty(INT64_SCHEMA) amount!: number;
  @ApiProperty({ enum: HOLD_STATUSES }) status!: HoldStatus;
  @ApiProperty() expiresAt!: Date;
  @ApiProperty({
    ...INT64_SCHEMA,
    description: 'the wallet’s available coins now',
  })
  available!: number;
}

export class CapturedHoldResponse {
  @ApiProperty(INT64_SCHEMA) holdId!: number;
  @ApiProperty({ enum: ['CAPTURED'] }) status!: 'CAPTURED';
  @ApiProperty(INT64_SCHEMA) capturedAmount!: number;
  @ApiProperty(INT64_SCHEMA) transactionId!: number;
  @ApiProperty(INT64_SCHEMA) balanceAfter!: number;
}

export class ReleasedHoldResponse {
  @ApiProperty(INT64_SCHEMA) holdId!: number;
  @ApiProperty({ enum: ['RELEASED'] }) status!: 'RELEASED';
}

export class HoldResponse {
  @ApiProperty(INT64_SCHEMA) holdId!: number;
  @ApiProperty(INT64_SCHEMA) walletId!: number;
  @ApiProperty(INT64_SCHEMA) profileId!: number;
  @ApiProperty(INT64_SCHEMA) amount!: number;
  @ApiProperty({ enum: HOLD_REASONS }) reason!: HoldReason;
  @ApiProperty({ enum: HOLD_STATUSES }) status!: HoldStatus;
  @ApiProperty() expiresAt!: Date;
  @ApiProperty({ ...INT64_SCHEMA, nullable: true }) capturedAmount!:
    number | null;
  @ApiProperty({ ...INT64_SCHEMA, nullable: true }) transactionId!:
    number | null;
  @ApiProperty({ type: String, nullable: true }) idempotencyKey!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) meta!: Meta;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: Date, nullable: true }) closedAt!: Date | null;
}
