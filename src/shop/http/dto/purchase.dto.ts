import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  IdField,
  INT64_SCHEMA,
} from '../../../http/safe-integer-field.decorator';
import {
  MAX_PURCHASE_LINES,
  MAX_PURCHASE_SECONDS,
  MAX_QUANTITY,
  SKU_PATTERN,
} from '../../purchase-input';
import type { PurchaseStatus } from '../../shop.types';

const STATUSES: PurchaseStatus[] = [
  'PENDING',
  'COMPLETED',
  'CANCELLED',
  'EXPIRED',
  'REFUNDED',
];

export class PurchaseLineDto {
  @ApiProperty({ pattern: SKU_PATTERN.source, example: 'skin-dragon' })
  @IsString()
  @Matches(SKU_PATTERN)
  sku!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_QUANTITY,
    example: 1,
  })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}

export class PurchaseDto {
  @IdField({ description: 'the buyer', example: 12 })
  profileId!: number;

  @ApiProperty({
    type: [PurchaseLineDto],
    minItems: 1,
    maxItems: MAX_PURCHASE_LINES,
    description: 'each sku once',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PURCHASE_LINES)
  @ValidateNested({ each: true })
  @Type(() => PurchaseLineDto)
  lines!: PurchaseLineDto[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PURCHASE_SECONDS,
    default: 600,
    description: 'seconds until an unconfirmed purchase expires',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PURCHASE_SECONDS)
  expiresInSeconds?: number;
}

export class PurchaseLineResponse {
  @ApiProperty() sku!: string;
  @ApiProperty({ type: 'integer' }) quantity!: number;
  @ApiProperty(INT64_SCHEMA) unitPrice!: number;
}

export class PurchaseResponse {
  @ApiProperty(INT64_SCHEMA) id!: number;
  @ApiProperty(INT64_SCHEMA) profileId!: number;
  @ApiProperty({ enum: STATUSES }) status!: PurchaseStatus;
  @ApiProperty(INT64_SCHEMA) total!: number;
  @ApiProperty({ type: [PurchaseLineResponse] }) lines!: PurchaseLineResponse[];
  @ApiProperty(INT64_SCHEMA) holdId!: number;
  @ApiProperty() expiresAt!: Date;
  @ApiProperty({ ...INT64_SCHEMA, nullable: true }) transactionId!:
    number | null;
  @ApiProperty({ ...INT64_SCHEMA, nullable: true })
  refundTransactionId!: number | null;
  @ApiProperty() createdAt!: Date;
}

export class PurchasePageResponse {
  @ApiProperty({ type: [PurchaseResponse] }) items!: PurchaseResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
