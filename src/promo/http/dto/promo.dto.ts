import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { INSTANT_PATTERN } from '../../../common/instant';
import {
  IdField,
  INT64_SCHEMA,
  SafeIntegerField,
} from '../../../http/safe-integer-field.decorator';
import { MAX_GENERATED_CODES } from '../../campaign-input';

const CODE_DOC = {
  pattern: '^[A-Za-z0-9-]{6,32}$',
  minLength: 6,
  maxLength: 32,
  example: 'SPRING-CUP-2027',
} as const;
const CODE_PATTERN = /^[A-Za-z0-9-]{6,32}$/;

const TIME_DOC = {
  type: 'string',
  format: 'date-time',
  nullable: true,
} as const;

export class CreateCampaignDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Spring cup' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @SafeIntegerField(1, {
    description: 'coins each redemption grants',
    example: 50,
  })
  coins!: number;

  @ApiPropertyOptional({
    ...INT64_SCHEMA,
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    nullable: true,
    description: 'redemptions in all; null or absent for unlimited',
  })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  maxRedemptions?: number | null;

  @ApiPropertyOptional({
    ...TIME_DOC,
    description: 'ISO 8601 with its offset; none: now',
  })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsISO8601({ strict: true })
  // With its offset (common/instant.ts); a refusal names the rule, `matches`.
  @Matches(INSTANT_PATTERN)
  startsAt?: string | null;

  @ApiPropertyOptional({
    ...TIME_DOC,
    description: 'ISO 8601 with its offset; none: never',
  })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(INSTANT_PATTERN)
  endsAt?: string | null;

  @ApiPropertyOptional({
    ...CODE_DOC,
    description:
      'one code every player may redeem once (case-insensitive); or generate',
  })
  @IsOptional()
  @IsString()
  @Matches(CODE_PATTERN)
  code?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_GENERATED_CODES,
    description:
      'single-use codes to generate, returned in this answer only; or code',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_GENERATED_CODES)
  generate?: number;
}

export class CampaignResponse {
  @ApiProperty(INT64_SCHEMA) id!: number;
  @ApiProperty() name!: string;
  @ApiProperty(INT64_SCHEMA) coins!: number;
  @ApiProperty({ ...INT64_SCHEMA, nullable: true })
  maxRedemptions!: number | null;
  @ApiProperty(INT64_SCHEMA) redeemed!: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  startsAt!: Date | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  endsAt!: Date | null;
}

export class CreatedCampaignResponse extends CampaignResponse {
  @ApiProperty({
    type: [String],
    description: 'the codes, in plain text in this answer only',
  })
  codes!: string[];
}

export class RedemptionDto {
  @ApiProperty({ ...CODE_DOC, description: 'the code, any case' })
  @IsString()
  @Matches(CODE_PATTERN)
  code!: string;

  @IdField({ description: 'who is credited', example: 12 })
  profileId!: number;
}

export class RedemptionResponse {
  @ApiProperty(INT64_SCHEMA) campaignId!: number;
  @ApiProperty(INT64_SCHEMA) profileId!: number;
  @ApiProperty(INT64_SCHEMA) coins!: number;
  @ApiProperty(INT64_SCHEMA) transactionId!: number;
  @ApiProperty(INT64_SCHEMA) balanceAfter!: number;
}
