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
import { WalletTransaction } from '../../economy';
import { Registration } from './registration.entity';

export type PrizePlacement = 'PARTICIPATION' | 'WINNER' | 'RUNNER_UP' | 'TOP4';

/** The payout record other modules read: one per (registration, placement). */
@Entity({ name: 'prize_transactions' })
@Unique('prize_transactions_registration_placement_key', [
  'registrationId',
  'placement',
])
@Check(
  'prize_transactions_placement_check',
  "placement IN ('PARTICIPATION', 'WINNER', 'RUNNER_UP', 'TOP4')",
)
@Check('prize_transactions_coins_check', 'coins > 0')
@Index(
  'prize_transactions_placement_tournament_id_idx',
  ['tournamentId', 'id'],
  {
    where: "placement <> 'PARTICIPATION'",
  },
)
export class PrizeTransaction {
  @IdentityPrimaryColumn('prize_transactions_pkey')
  id!: number;

  @BigintColumn({ name: 'tournament_id' })
  tournamentId!: number;

  @BigintColumn({ name: 'registration_id' })
  registrationId!: number;

  // One key over both columns: the prize's tournament is its registration's.
  @ManyToOne(() => Registration, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    {
      name: 'registration_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'prize_transactions_registration_fkey',
    },
    { name: 'tournament_id', referencedColumnName: 'tournamentId' },
  ])
  registration?: Registration;

  @Column({ type: 'text' })
  placement!: PrizePlacement;

  @BigintColumn()
  coins!: number;

  @BigintColumn({ name: 'wallet_transaction_id' })
  walletTransactionId!: number;

  @OneToOne(() => WalletTransaction, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'wallet_transaction_id',
    foreignKeyConstraintName: 'prize_transactions_wallet_transaction_id_fkey',
  })
  walletTransaction?: WalletTransaction;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
