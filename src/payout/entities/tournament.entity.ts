import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
} from 'typeorm';
import { bigintColumnTransformer } from '../../economy/domain/safe-integer';

export type TournamentStatus = 'DRAFT' | 'OPEN' | 'COMPLETED';

/** A stand-in for the platform's tournament: what payouts need of it. */
@Entity({ name: 'tournaments' })
@Check('tournaments_name_check', 'length(name) BETWEEN 1 AND 200')
@Check('tournaments_status_check', "status IN ('DRAFT', 'OPEN', 'COMPLETED')")
@Check(
  'tournaments_coins_check',
  `participation_coins BETWEEN 0 AND 9007199254740991
          AND winner_coins BETWEEN 0 AND 9007199254740991
          AND runner_up_coins BETWEEN 0 AND 9007199254740991
          AND top4_coins BETWEEN 0 AND 9007199254740991`,
)
export class Tournament {
  @PrimaryColumn({
    type: 'bigint',
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'tournaments_pkey',
    transformer: bigintColumnTransformer,
  })
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: 'OPEN' })
  status!: TournamentStatus;

  @Column({
    name: 'participation_coins',
    type: 'bigint',
    default: 0,
    transformer: bigintColumnTransformer,
  })
  participationCoins!: number;

  @Column({
    name: 'winner_coins',
    type: 'bigint',
    default: 0,
    transformer: bigintColumnTransformer,
  })
  winnerCoins!: number;

  @Column({
    name: 'runner_up_coins',
    type: 'bigint',
    default: 0,
    transformer: bigintColumnTransformer,
  })
  runnerUpCoins!: number;

  @Column({
    name: 'top4_coins',
    type: 'bigint',
    default: 0,
    transformer: bigintColumnTransformer,
  })
  top4Coins!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
