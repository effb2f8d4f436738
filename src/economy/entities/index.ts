import { Hold } from './hold.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { WalletTransaction } from './wallet-transaction.entity';
import { Wallet } from './wallet.entity';

export { Hold, IdempotencyKey, Wallet, WalletTransaction };

export const ECONOMY_ENTITIES = [
  Wallet,
  WalletTransaction,
  IdempotencyKey,
  Hold,
];
