import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
} from 'typeorm';
import {
  BigintColumn,
  IdentityPrimaryColumn,
} from '../../database/bigint-columns';
import { LEDGER_REASONS, type LedgerReason } from '../domain/ledger-reason';
import { IdempotencyKey } from './idempotency-key.entity';
import { Wallet } from './wallet.entity';

/**
 * The ledger: one row per movement of one wallet, append-only (a trigger in
 * the database rejects UPDATE, DELETE and TRUNCATE). `id` is an identity and
 * defines the order; a movement takes its id while holding its wallet's row
 * lock, so per wallet the ids follow the `balance_after` chain.
 */
@Entity({ name: 'wallet_transactions' })
// TypeORM can express neither INCLUDE (amount) nor a unique index on
// (idempotency_key, amount > 0): these indexes are the migrations' alone.
@Index('wallet_transactions_wallet_id_id_idx', { synchronize: false })
@Index('wallet_transactions_idempotency_key_direction_key', {
  synchronize: false,
})
@Index('wallet_transactions_transfer_id_idx', ['transferId'], {
  where: 'transfer_id IS NOT NULL',
})
@Check('wallet_transactions_amount_check', 'amount <> 0')
@Check(
  'wallet_transactions_reason_check',
  `reason IN (${LEDGER_REASONS.map((reason) => `'${reason}'`).join(', ')})`,
)
@Check(
  'wallet_transactions_transfer_leg_check',
  "(transfer_id IS NOT NULL) = (reason IN ('TRANSFER_IN', 'TRANSFER_OUT')) AND (transfer_id IS NULL OR (reason = 'TRANSFER_OUT') = (amount < 0))",
)
@Check(
  'wallet_transactions_client_idempotency_key_check',
  'client_idempotency_key IS NULL OR (idempotency_key IS NOT NULL AND length(client_idempotency_key) BETWEEN 1 AND 255)',
)
export class WalletTransaction {
  @IdentityPrimaryColumn('wallet_transactions_pkey')
  id!: number;

  @BigintColumn({ name: 'wallet_id' })
  walletId!: number;

  @ManyToOne(() => Wallet, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'wallet_id',
    foreignKeyConstraintName: 'wallet_transactions_wallet_id_fkey',
  })
  wallet?: Wallet;

  @BigintColumn()
  amount!: number;

  @BigintColumn({ name: 'balance_after' })
  balanceAfter!: number;

  @Column({ type: 'text' })
  reason!: LedgerReason;

  @Column({
    name: 'idempotency_key',
    type: 'text',
    collation: 'C',
    nullable: true,
  })
  idempotencyKey!: string | null;

  /** The key as its caller sent it, where `idempotencyKey` is scoped to the caller. */
  @Column({ name: 'client_idempotency_key', type: 'text', nullable: true })
  clientIdempotencyKey!: string | null;

  @ManyToOne(() => IdempotencyKey, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({
    name: 'idempotency_key',
    foreignKeyConstraintName: 'wallet_transactions_idempotency_key_fkey',
  })
  idempotencyKeyRow?: IdempotencyKey | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  meta!: Record<string, unknown>;

  @BigintColumn({ name: 'transfer_id', nullable: true })
  transferId!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
