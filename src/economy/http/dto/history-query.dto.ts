import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CANONICAL_ID_PATTERN } from '../../../common/safe-integer';

export class HistoryQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 200,
    default: 50,
  })
  @IsOptional()
  // Plain decimal digits only, as for ids: Number() would also take `0x10`,
  // `1e2` or ` 5`.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[1-9][0-9]{0,2}$/.test(value)
      ? Number(value)
      : value,
  )
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({
    description: 'nextCursor of the previous page',
    pattern: CANONICAL_ID_PATTERN.source,
    example: '1042',
  })
  @IsOptional()
  @Matches(CANONICAL_ID_PATTERN)
  cursor?: string;
}
