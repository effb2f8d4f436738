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
  UpdateDateColumn,
} from 'typeorm';
import {
  BigintColumn,
  IdentityPrimaryColumn,
} from '../../database/bigint-columns';
import { Hold, WalletTransaction } from '../../economy';
import { Profile } from '../../profiles';
import type { PurchaseStatus } from '../shop.types';

/**
 * A purchase: its total held (a hold of the economy) and its stock reserved
 * until it completes; moving forward only (a trigger refuses the rest).
 */
@Entity({ name: 'purchases' })
@Unique('purchases_hold_id_key', ['holdId'])
@Unique('purchases_idempotency_key_key', ['idempotencyKey'])
@Check(
  'purchases_status_check',
  "status IN ('PENDING', 'COMPLETED', 'CANCELLED', 'EXPIRED', 'REFUNDED')",
)
@Check('purchases_total_check', 'total BETWEEN 1 AND 9007199254740991')
@Check(
  'purchases_transaction_check',
  "(status IN ('COMPLETED', 'REFUNDED')) = (transaction_id IS NOT NULL)",
)
@Check(
  'purchases_refund_check',
  "(status = 'REFUNDED') = (refund_transaction_id IS NOT NULL)",
)
@Index('purchases_profile_id_id_idx', ['profileId', 'id'])
@Index('purchases_pending_expiry_idx', ['expiresAt', 'id'], {
  where: "status = 'PENDING'",
})
export class Purchase {
  @IdentityPrimaryColumn('purchases_pkey')
  id!: number;

  @BigintColumn({ name: 'profile_id' })
  profileId!: number;

  @ManyToOne(() => Profile, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'profile_id',
    foreignKeyConstraintName: 'purchases_profile_id_fkey',
  })
  profile?: Profile;

  @Column({ type: 'text', default: 'PENDING' })
  status!: PurchaseStatus;

  @BigintColumn()
  total!: number;

  @BigintColumn({ name: 'hold_id' })
  holdId!: number;

  @OneToOne(() => Hold, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'hold_id',
    foreignKeyConstraintName: 'purchases_hold_id_fkey',
  })
  hold?: Hold;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @BigintColumn({ name: 'transaction_id', nullable: true })
  transactionId!: number | null;

  @ManyToOne(() => WalletTransaction, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({
    name: 'transaction_id',
    foreignKeyConstraintName: 'purchases_transaction_id_fkey',
  })
  transaction?: WalletTransaction | null;

  @BigintColumn({ name: 'refund_transaction_id', nullable: true })
  refundTransactionId!: number | null;

  @ManyToOne(() => WalletTransaction, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({
    name: 'refund_transaction_id',
    foreignKeyConstraintName: 'purchases_refund_transaction_id_fkey',
  })
  refundTransaction?: WalletTransaction | null;

  @Column({ name: 'idempotency_key', type: 'text', collation: 'C' })
  idempotencyKey!: string;

  @Column({ name: 'client_idempotency_key', type: 'text' })
  clientIdempotencyKey!: string;

  @Column({ name: 'request_fingerprint', type: 'text' })
  requestFingerprint!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
