import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { EVENT_CURSOR_PATTERN } from '../../event-cursor';

export const MAX_EVENTS_PAGE = 1000;
export const MAX_EVENTS_WAIT_SECONDS = 30;

/** Plain decimal digits only: Number() would also take `0x10`, `1e2` or ` 5`. */
const digits = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^[0-9]{1,4}$/.test(value)
    ? Number(value)
    : value;

export class EventsQueryDto {
  @ApiPropertyOptional({
    description:
      'nextCursor of the previous page; without it the feed starts at the oldest event kept',
    pattern: EVENT_CURSOR_PATTERN.source,
    example: '7731.1042',
  })
  @IsOptional()
  @Matches(EVENT_CURSOR_PATTERN)
  after?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_EVENTS_PAGE,
    default: 100,
  })
  @IsOptional()
  @Transform(digits)
  @IsInt()
  @Min(1)
  @Max(MAX_EVENTS_PAGE)
  limit?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_EVENTS_WAIT_SECONDS,
    default: 0,
    description:
      'seconds to wait for an event when none is new (long poll); the answer comes as soon as one is',
  })
  @IsOptional()
  @Transform(digits)
  @IsInt()
  @Min(0)
  @Max(MAX_EVENTS_WAIT_SECONDS)
  wait?: number;
}

export class EventResponse {
  @ApiProperty({ type: 'integer', example: 1042 }) id!: number;
  @ApiProperty({
    example: 'transfer.completed',
    description:
      'wallet.credited, wallet.debited, transfer.completed, payout.paid, hold.placed|captured|released|expired, purchase.created|completed|cancelled|expired|refunded',
  })
  type!: string;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt!: Date;
  @ApiProperty({ type: 'integer', nullable: true }) profileId!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) walletId!: number | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'whole coins moved, held or paid (positive)',
  })
  amount!: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      "the change's ids (transactionId, transferId, holdId, purchaseId …) and details; ids only",
  })
  data!: Record<string, unknown>;
}

export class EventsPageResponse {
  @ApiProperty({ type: [EventResponse] }) items!: EventResponse[];
  @ApiProperty({
    description:
      'what to pass as `after` next time: the same cursor when nothing was new, never null',
    example: '7731.1042',
  })
  nextCursor!: string;
}
