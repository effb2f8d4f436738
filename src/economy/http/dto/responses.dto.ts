import { ApiProperty } from '@nestjs/swagger';
import { INT64_SCHEMA } from '../../../http/safe-integer-field.decorator';
import { LEDGER_REASONS } from '../../domain/ledger-reason';

export class MovementResponse {
  @ApiProperty(INT64_SCHEMA) walletId!: number;
  @ApiProperty(INT64_SCHEMA) balanceAfter!: number;
  @ApiProperty(INT64_SCHEMA) transactionId!: number;
  @ApiProperty({ type: String, nullable: true }) idempotencyKey!: string | null;
}

/** The receiving side of a transfer is the platform's to see, not a player's. */
const RECEIVING_SIDE = {
  ...INT64_SCHEMA,
  required: false,
  description:
    'the receiving side: given to service and admin callers, not to a player',
} as const;

export class TransferResponse {
  @ApiProperty(INT64_SCHEMA) fromWalletId!: number;
  @ApiProperty(RECEIVING_SIDE) toWalletId?: number;
  @ApiProperty(INT64_SCHEMA) fromBalanceAfter!: number;
  @ApiProperty(RECEIVING_SIDE) toBalanceAfter?: number;
  @ApiProperty(INT64_SCHEMA) debitTransactionId!: number;
  @ApiProperty(RECEIVING_SIDE) creditTransactionId?: number;
  @ApiProperty({ type: String, nullable: true }) idempotencyKey!: string | null;
}

export class WalletResponse {
  @ApiProperty(INT64_SCHEMA) profileId!: number;
  @ApiProperty({ ...INT64_SCHEMA, nullable: true }) walletId!: number | null;
  @ApiProperty(INT64_SCHEMA) balance!: number;
  @ApiProperty({ ...INT64_SCHEMA, description: 'what pending holds reserve' })
  held!: number;
  @ApiProperty({
    ...INT64_SCHEMA,
    description: 'what debits and transfers may take: balance - held',
  })
  available!: number;
  @ApiProperty() allowOverdraft!: boolean;
}

export class HistoryItemResponse {
  @ApiProperty(INT64_SCHEMA) id!: number;
  @ApiProperty(INT64_SCHEMA) amount!: number;
  @ApiProperty(INT64_SCHEMA) balanceAfter!: number;
  @ApiProperty({ enum: LEDGER_REASONS }) reason!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: String, nullable: true }) idempotencyKey!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true })
  meta!: Record<string, unknown>;
}

export class HistoryPageResponse {
  @ApiProperty({ type: [HistoryItemResponse] }) items!: HistoryItemResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
