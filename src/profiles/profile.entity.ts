import { Column, CreateDateColumn, Entity, Unique } from 'typeorm';
import { IdentityPrimaryColumn } from '../database/bigint-columns';

/** A stand-in for the platform's user profile: the only home of personal data. */
@Entity({ name: 'profiles' })
@Unique('profiles_username_key', ['username'])
@Unique('profiles_email_key', ['email'])
export class Profile {
  @IdentityPrimaryColumn('profiles_pkey')
  id!: number;

  @Column({ type: 'text' })
  username!: string;

  @Column({ type: 'text' })
  email!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
