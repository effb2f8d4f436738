import { ApiProperty } from '@nestjs/swagger';

export class MovementResponse {
  @ApiProperty() walletId!: number;
  @ApiProperty() balanceAfter!: number;
  @ApiProperty() transactionId!: number;
  @ApiProperty({ type: String, nullable: true }) idempotencyKey!: string | null;
}

export class TransferResponse {
  @ApiProperty() fromWalletId!: number;
  @ApiProperty() toWalletId!: number;
  @ApiProperty() fromBalanceAfter!: number;
  @ApiProperty() toBalanceAfter!: number;
  @ApiProperty() debitTransactionId!: number;
  @ApiProperty() creditTransactionId!: number;
  @ApiProperty({ type: String, nullable: true }) idempotencyKey!: string | null;
}

export class WalletResponse {
  @ApiProperty() profileId!: number;
  @ApiProperty({ type: Number, nullable: true }) walletId!: number | null;
  @ApiProperty() balance!: number;
  @ApiProperty() allowOverdraft!: boolean;
}

export class HistoryItemResponse {
  @ApiProperty() id!: number;
  @ApiProperty() amount!: number;
  @ApiProperty() balanceAfter!: number;
  @ApiProperty() reason!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: String, nullable: true }) idempotencyKey!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true })
  meta!: Record<string, unknown>;
}

export class HistoryPageResponse {
  @ApiProperty({ type: [HistoryItemResponse] }) items!: HistoryItemResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
