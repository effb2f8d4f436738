import { Injectable } from '@nestjs/common';
import { safeIntegerFromDatabase } from '../../common/safe-integer';
import {
  SqlDatabase,
  preparedStatement,
  type SqlRunner,
} from '../../database/sql-database';
import type {
  Tournament,
  TournamentStatus,
} from '../entities/tournament.entity';
import { TournamentNotFound } from '../payout.errors';
import type { NewTournament } from '../payout.types';

const COLUMNS =
  'id, name, status, participation_coins, winner_coins, runner_up_coins, top4_coins, created_at';

const FIND = preparedStatement(
  'payout_find_tournament',
  `SELECT ${COLUMNS} FROM tournaments WHERE id = $1`,
);

const LOCK = preparedStatement(
  'payout_lock_tournament',
  `SELECT ${COLUMNS} FROM tournaments WHERE id = $1 FOR UPDATE`,
);

const CREATE = preparedStatement(
  'payout_create_tournament',
  `INSERT INTO tournaments
     (name, status, participation_coins, winner_coins, runner_up_coins, top4_coins)
   VALUES ($1, 'OPEN', $2, $3, $4, $5)
   RETURNING ${COLUMNS}`,
);

const COMPLETE = preparedStatement(
  'payout_complete_tournament',
  `UPDATE tournaments SET status = 'COMPLETED' WHERE id = $1
   RETURNING ${COLUMNS}`,
);

interface TournamentRow {
  id: string;
  name: string;
  status: TournamentStatus;
  participation_coins: string;
  winner_coins: string;
  runner_up_coins: string;
  top4_coins: string;
  created_at: Date;
}

/** The `tournaments` table: the terms every payout of a tournament reads. */
@Injectable()
export class TournamentRepository {
  constructor(private readonly database: SqlDatabase) {}

  async create(input: NewTournament): Promise<Tournament> {
    const [row] = await this.database.run<TournamentRow>(CREATE, [
      input.name,
      input.participationCoins,
      input.prizes.WINNER,
      input.prizes.RUNNER_UP,
      input.prizes.TOP4,
    ]);
    return tournament(row);
  }

  /** The tournament, or TournamentNotFound. */
  find(id: number, runner: SqlRunner = this.database): Promise<Tournament> {
    return this.one(runner, FIND, id);
  }

  /** `find`, holding the tournament FOR UPDATE until `transaction` ends. */
  lock(id: number, transaction: SqlRunner): Promise<Tournament> {
    return this.one(transaction, LOCK, id);
  }

  complete(id: number, transaction: SqlRunner): Promise<Tournament> {
    return this.one(transaction, COMPLETE, id);
  }

  private async one(
    runner: SqlRunner,
    statement: typeof FIND,
    id: number,
  ): Promise<Tournament> {
    const [row] = await runner.run<TournamentRow>(statement, [id]);
    if (row === undefined) {
      throw new TournamentNotFound(`unknown tournament ${id}`);
    }
    return tournament(row);
  }
}

function tournament(row: TournamentRow): Tournament {
  return {
    id: safeIntegerFromDatabase(row.id),
    name: row.name,
    status: row.status,
    participationCoins: safeIntegerFromDatabase(row.participation_coins),
    winnerCoins: safeIntegerFromDatabase(row.winner_coins),
    runnerUpCoins: safeIntegerFromDatabase(row.runner_up_coins),
    top4Coins: safeIntegerFromDatabase(row.top4_coins),
    createdAt: row.created_at,
  };
}
