import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { bigintColumnTransformer } from '../domain/safe-integer';
import { Profile } from './profile.entity';

@Entity({ name: 'wallets' })
@Unique('wallets_profile_id_key', ['profileId'])
@Check('wallets_overdraft_check', 'allow_overdraft OR cached_balance >= 0')
@Check(
  'wallets_balance_safe_integer_check',
  'cached_balance BETWEEN -9007199254740991 AND 9007199254740991',
)
export class Wallet {
  @PrimaryColumn({
    type: 'bigint',
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'wallets_pkey',
    transformer: bigintColumnTransformer,
  })
  id!: number;

  @Column({
    name: 'profile_id',
    type: 'bigint',
    transformer: bigintColumnTransformer,
  })
  profileId!: number;

  @ManyToOne(() => Profile, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'profile_id',
    foreignKeyConstraintName: 'wallets_profile_id_fkey',
  })
  profile?: Profile;

  @Column({
    name: 'cached_balance',
    type: 'bigint',
    default: 0,
    transformer: bigintColumnTransformer,
  })
  cachedBalance!: number;

  @Column({ name: 'allow_overdraft', type: 'boolean', default: false })
  allowOverdraft!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
