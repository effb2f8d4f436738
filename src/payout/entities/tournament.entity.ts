import { Check, Column, CreateDateColumn, Entity } from 'typeorm';
import {
  BigintColumn,
  IdentityPrimaryColumn,
} from '../../database/bigint-columns';

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
  @IdentityPrimaryColumn('tournaments_pkey')
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: 'OPEN' })
  status!: TournamentStatus;

  @BigintColumn({ name: 'participation_coins', default: 0 })
  participationCoins!: number;

  @BigintColumn({ name: 'winner_coins', default: 0 })
  winnerCoins!: number;

  @BigintColumn({ name: 'runner_up_coins', default: 0 })
  runnerUpCoins!: number;

  @BigintColumn({ name: 'top4_coins', default: 0 })
  top4Coins!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
