import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToOne,
  Unique,
} from 'typeorm';
import {
  BigintColumn,
  IdentityPrimaryColumn,
} from '../../database/bigint-columns';
import type { HoldReason, HoldStatus } from '../holds/hold.types';
import { IdempotencyKey } from './idempotency-key.entity';
import { WalletTransaction } from './wallet-transaction.entity';
import { Wallet } from './wallet.entity';

/**
 * Coins reserved now, settled later: PENDING until captured (its one ledger
 * row), released or expired, then final (triggers refuse any change, and
 * DELETE and TRUNCATE).
 */
@Entity({ name: 'holds' })
@Unique('holds_idempotency_key_key', ['idempotencyKey'])
@Check('holds_amount_check', 'amount BETWEEN 1 AND 9007199254740991')
@Check('holds_reason_check', "reason IN ('MANUAL_ADJUST', 'PURCHASE')")
@Check(
  'holds_status_check',
  "status IN ('PENDING', 'CAPTURED', 'RELEASED', 'EXPIRED')",
)
@Check('holds_closed_check', "(status = 'PENDING') = (closed_at IS NULL)")
@Check(
  'holds_capture_check',
  "(status = 'CAPTURED') = (captured_amount IS NOT NULL) AND (captured_amount IS NULL) = (transaction_id IS NULL) AND (captured_amount IS NULL OR captured_amount BETWEEN 1 AND amount)",
)
@Check(
  'holds_client_idempotency_key_check',
  'client_idempotency_key IS NULL OR idempotency_key IS NOT NULL',
)
@Index('holds_pending_expiry_idx', ['expiresAt', 'id'], {
  where: "status = 'PENDING'",
})
@Index('holds_wallet_id_idx', ['walletId'], { where: "status = 'PENDING'" })
export class Hold {
  @IdentityPrimaryColumn('holds_pkey')
  id!: number;

  @BigintColumn({ name: 'wallet_id' })
  walletId!: number;

  @ManyToOne(() => Wallet, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'wallet_id',
    foreignKeyConstraintName: 'holds_wallet_id_fkey',
  })
  wallet?: Wallet;

  @BigintColumn()
  amount!: number;

  @Column({ type: 'text' })
  reason!: HoldReason;

  @Column({ type: 'text', default: 'PENDING' })
  status!: HoldStatus;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @BigintColumn({ name: 'captured_amount', nullable: true })
  capturedAmount!: number | null;

  @BigintColumn({ name: 'transaction_id', nullable: true })
  transactionId!: number | null;

  @OneToOne(() => WalletTransaction, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({
    name: 'transaction_id',
    foreignKeyConstraintName: 'holds_transaction_id_fkey',
  })
  transaction?: WalletTransaction | null;

  @Column({
    name: 'idempotency_key',
    type: 'text',
    collation: 'C',
    nullable: true,
  })
  idempotencyKey!: string | null;

  @ManyToOne(() => IdempotencyKey, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({
    name: 'idempotency_key',
    foreignKeyConstraintName: 'holds_idempotency_key_fkey',
  })
  idempotencyKeyRow?: IdempotencyKey | null;

  @Column({ name: 'client_idempotency_key', type: 'text', nullable: true })
  clientIdempotencyKey!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  meta!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;
}
