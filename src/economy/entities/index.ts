import { IdempotencyKey } from './idempotency-key.entity';
import { Profile } from './profile.entity';
import { WalletTransaction } from './wallet-transaction.entity';
import { Wallet } from './wallet.entity';

export { IdempotencyKey, Profile, Wallet, WalletTransaction };

export const ECONOMY_ENTITIES = [
  Profile,
  Wallet,
  WalletTransaction,
  IdempotencyKey,
] as const;
