import type { PrizePlacement } from './entities/prize-transaction.entity';

/** A prize transaction as other modules read it. */
export interface PrizeRecord {
  id: number;
  tournamentId: number;
  registrationId: number;
  placement: PrizePlacement;
  coins: number;
  walletTransactionId: number;
  createdAt: Date;
}

/**
 * What an award did: the prizes it stands for, and how many of them it paid
 * now (0 when every one was paid already, by this or a concurrent call).
 */
export interface Award<T> {
  prizes: T;
  paidNow: number;
}

export interface BackfillCounts {
  /** Verified registrations looked at. */
  checked: number;
  /** Paid now (or, in a dry run, that would be). */
  awarded: number;
  /**
   * Already paid, of a tournament without participation coins, or cancelled
   * while the backfill ran.
   */
  skipped: number;
  /** Refused by the economy (see `refused`), left unpaid. */
  failed: number;
  /** The first MAX_REFUSALS_LISTED refused registrations, and why. */
  refused: { registrationId: number; code: string }[];
}

/** Refusals a backfill lists by id; beyond that it only counts them. */
export const MAX_REFUSALS_LISTED = 100;

export interface NewTournament {
  name: string;
  participationCoins: number;
  prizes: { WINNER: number; RUNNER_UP: number; TOP4: number };
}

export interface PlacementsInput {
  WINNER: number;
  RUNNER_UP: number;
  TOP4: number[];
}
