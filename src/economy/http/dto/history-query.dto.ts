import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CANONICAL_ID_PATTERN } from '../../domain/safe-integer';

export class HistoryQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({
    description: 'nextCursor of the previous page',
    example: '1042',
  })
  @IsOptional()
  @Matches(CANONICAL_ID_PATTERN)
  cursor?: string;
}
