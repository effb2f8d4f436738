import type { PrizePlacement } from './entities/prize-transaction.entity';
import type { Registration } from './entities/registration.entity';
import type { Tournament } from './entities/tournament.entity';

/**
 * One prize to pay: a keyed credit of the registration's wallet, recorded in
 * prize_transactions in the same transaction. Its key is deterministic, so a
 * re-run, a concurrent call or a run after a crash pays it once.
 */
export interface Payment {
  tournamentId: number;
  registrationId: number;
  profileId: number;
  placement: PrizePlacement;
  coins: number;
  key: string;
}

/** A payment whose credit is written (now or by an earlier run). */
export interface PaidPayment extends Payment {
  transactionId: number;
}

/** The participation payout of a registration, keyed by it and the wallet it pays. */
export function participationPayment(
  registration: Pick<Registration, 'id' | 'tournamentId' | 'profileId'>,
  coins: number,
  walletId: number,
): Payment {
  return {
    tournamentId: registration.tournamentId,
    registrationId: registration.id,
    profileId: registration.profileId,
    placement: 'PARTICIPATION',
    coins,
    key: `participation:reg:${registration.id}:w:${walletId}`,
  };
}

/** A placement prize, keyed by placement, tournament and the wallet it pays. */
export function placementPayment(
  tournament: Tournament,
  registration: Pick<Registration, 'id' | 'profileId'> & {
    placement: PrizePlacement;
  },
  walletId: number,
): Payment {
  return {
    tournamentId: tournament.id,
    registrationId: registration.id,
    profileId: registration.profileId,
    placement: registration.placement,
    coins: prizeFor(tournament, registration.placement),
    key: `${registration.placement}:t:${tournament.id}:w:${walletId}`,
  };
}

export function prizeFor(
  tournament: Tournament,
  placement: PrizePlacement,
): number {
  switch (placement) {
    case 'WINNER':
      return tournament.winnerCoins;
    case 'RUNNER_UP':
      return tournament.runnerUpCoins;
    case 'TOP4':
      return tournament.top4Coins;
    case 'PARTICIPATION':
      return tournament.participationCoins;
  }
}
