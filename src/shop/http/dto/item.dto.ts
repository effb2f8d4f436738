import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import {
  INT64_SCHEMA,
  SafeIntegerField,
} from '../../../http/safe-integer-field.decorator';
import { SKU_PATTERN } from '../../purchase-input';

const STOCK_DOC = {
  type: 'integer',
  minimum: 0,
  maximum: 2_147_483_647,
  nullable: true,
  description: 'items left; null for unlimited',
} as const;

const LIMIT_DOC = {
  type: 'integer',
  minimum: 1,
  maximum: 2_147_483_647,
  nullable: true,
  description:
    'most one profile may hold in pending and completed purchases; null for none',
} as const;

export class CreateItemDto {
  @ApiProperty({ pattern: SKU_PATTERN.source, example: 'skin-dragon' })
  @IsString()
  @Matches(SKU_PATTERN)
  sku!: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Dragon skin' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @SafeIntegerField(1, { description: 'whole coins', example: 500 })
  price!: number;

  @ApiPropertyOptional(STOCK_DOC)
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  stock?: number | null;

  @ApiPropertyOptional(LIMIT_DOC)
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  perProfileLimit?: number | null;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UpdateItemDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    ...INT64_SCHEMA,
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  price?: number;

  @ApiPropertyOptional(STOCK_DOC)
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  stock?: number | null;

  @ApiPropertyOptional(LIMIT_DOC)
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  perProfileLimit?: number | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class ItemQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'admins only: inactive items too',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  includeInactive?: 'true' | 'false';
}

export class ItemResponse {
  @ApiProperty(INT64_SCHEMA) id!: number;
  @ApiProperty() sku!: string;
  @ApiProperty() name!: string;
  @ApiProperty(INT64_SCHEMA) price!: number;
  @ApiProperty({ type: 'integer', nullable: true }) stock!: number | null;
  @ApiProperty({ type: 'integer', nullable: true })
  perProfileLimit!: number | null;
  @ApiProperty() active!: boolean;
}

export class ItemListResponse {
  @ApiProperty({ type: [ItemResponse] }) items!: ItemResponse[];
}
