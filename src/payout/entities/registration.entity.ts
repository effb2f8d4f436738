import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  Unique,
} from 'typeorm';
import {
  BigintColumn,
  IdentityPrimaryColumn,
} from '../../database/bigint-columns';
import { Profile } from '../../profiles';
import { Tournament } from './tournament.entity';

export type RegistrationStatus = 'PENDING' | 'VERIFIED' | 'CANCELLED';
export type Placement = 'WINNER' | 'RUNNER_UP' | 'TOP4';

/** A player's (or team captain's) registration; the prize goes to `profile_id`. */
@Entity({ name: 'registrations' })
@Unique('registrations_tournament_profile_key', ['tournamentId', 'profileId'])
// The target of prize_transactions' key over (registration, tournament).
@Unique('registrations_id_tournament_id_key', ['id', 'tournamentId'])
@Check(
  'registrations_status_check',
  "status IN ('PENDING', 'VERIFIED', 'CANCELLED')",
)
@Check(
  'registrations_verified_check',
  "(status = 'VERIFIED') = (payment_verified_at IS NOT NULL)",
)
@Check(
  'registrations_placement_check',
  "placement IS NULL OR (placement IN ('WINNER', 'RUNNER_UP', 'TOP4') AND status = 'VERIFIED')",
)
@Index('registrations_single_winner_idx', ['tournamentId'], {
  unique: true,
  where: "placement = 'WINNER'",
})
@Index('registrations_single_runner_up_idx', ['tournamentId'], {
  unique: true,
  where: "placement = 'RUNNER_UP'",
})
@Index('registrations_verified_idx', ['id'], { where: "status = 'VERIFIED'" })
export class Registration {
  @IdentityPrimaryColumn('registrations_pkey')
  id!: number;

  @BigintColumn({ name: 'tournament_id' })
  tournamentId!: number;

  @ManyToOne(() => Tournament, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'tournament_id',
    foreignKeyConstraintName: 'registrations_tournament_id_fkey',
  })
  tournament?: Tournament;

  @BigintColumn({ name: 'profile_id' })
  profileId!: number;

  @ManyToOne(() => Profile, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({
    name: 'profile_id',
    foreignKeyConstraintName: 'registrations_profile_id_fkey',
  })
  profile?: Profile;

  @Column({ type: 'text', default: 'PENDING' })
  status!: RegistrationStatus;

  @Column({ name: 'payment_verified_at', type: 'timestamptz', nullable: true })
  paymentVerifiedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  placement!: Placement | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
