import { PrizeTransaction } from './prize-transaction.entity';
import { Registration } from './registration.entity';
import { Tournament } from './tournament.entity';

export { PrizeTransaction, Registration, Tournament };

export const PAYOUT_ENTITIES = [
  Tournament,
  Registration,
  PrizeTransaction,
] as const;
