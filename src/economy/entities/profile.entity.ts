import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  Unique,
} from 'typeorm';
import { bigintColumnTransformer } from '../domain/safe-integer';

/** A stand-in for the platform's user profile: the only home of personal data. */
@Entity({ name: 'profiles' })
@Unique('profiles_username_key', ['username'])
@Unique('profiles_email_key', ['email'])
export class Profile {
  @PrimaryColumn({
    type: 'bigint',
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'profiles_pkey',
    transformer: bigintColumnTransformer,
  })
  id!: number;

  @Column({ type: 'text' })
  username!: string;

  @Column({ type: 'text' })
  email!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
