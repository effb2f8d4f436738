import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import {
  BigintColumn,
  IdentityPrimaryColumn,
} from '../../database/bigint-columns';
import { Profile } from '../../profiles';

@Entity({ name: 'wallets' })
@Unique('wallets_profile_id_key', ['profileId'])
@Check(
  'wallets_overdraft_check',
  'allow_overdraft OR cached_balance - held >= 0',
)
@Check('wallets_held_check', 'held BETWEEN 0 AND 9007199254740991')
@Check(
  'wallets_balance_safe_integer_check',
  'cached_balance BETWEEN -9007199254740991 AND 9007199254740991',
)
export class Wallet {
  @IdentityPrimaryColumn('wallets_pkey')
  id!: number;

  @BigintColumn({ name: 'profile_id' })
  profileId!: number;

  @ManyToOne(() => Profile, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'profile_id',
    foreignKeyConstraintName: 'wallets_profile_id_fkey',
  })
  profile?: Profile;

  @BigintColumn({ name: 'cached_balance', default: 0 })
  cachedBalance!: number;

  /** What pending holds reserve of the balance. */
  @BigintColumn({ default: 0 })
  held!: number;

  @Column({ name: 'allow_overdraft', type: 'boolean', default: false })
  allowOverdraft!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
