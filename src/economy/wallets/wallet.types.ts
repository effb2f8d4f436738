import type { LedgerReason } from '../domain/ledger-reason';
import type { SqlRunner } from '../../database/sql-database';
import type { Meta } from '../domain/movement-input';
import type { KeyScope } from '../idempotency/scoped-key';

export interface MovementOptions {
  reason: LedgerReason;
  idempotencyKey?: string | null;
  /** Who sent the key: it is then stored scoped to that caller (see KeyScope). */
  keyScope?: KeyScope;
  meta?: Meta | null;
  /** Compared on replay besides the payload (see KeyOptions). */
  requestFingerprint?: string;
  /** A caller's transaction to credit in (a refund inside a purchase's, say). */
  transaction?: SqlRunner;
}

export interface TransferOptions {
  /** Why the coins move; kept in each leg's meta as `transferReason`. */
  reason?: LedgerReason | null;
  idempotencyKey?: string | null;
  keyScope?: KeyScope;
  meta?: Meta | null;
  requestFingerprint?: string;
}

/** One credit of `WalletService.creditAll`: keyed, always. */
export interface KeyedCredit {
  profileId: number;
  amount: number;
  reason: LedgerReason;
  idempotencyKey: string;
  meta?: Meta | null;
}

export interface MovementResult {
  walletId: number;
  balanceAfter: number;
  transactionId: number;
  /** The key as the caller sent it. */
  idempotencyKey: string | null;
  /** Whether this is the result of an earlier call with the same key. */
  replayed: boolean;
}

export interface TransferResult {
  fromWalletId: number;
  toWalletId: number;
  fromBalanceAfter: number;
  toBalanceAfter: number;
  debitTransactionId: number;
  creditTransactionId: number;
  idempotencyKey: string | null;
  replayed: boolean;
}

export interface WalletView {
  profileId: number;
  walletId: number | null;
  balance: number;
  /** Coins pending holds reserve. */
  held: number;
  /** What debits and transfers may take: `balance - held`. */
  available: number;
  allowOverdraft: boolean;
}

export type HistoryPage =
  | { limit?: number; offset?: number; cursor?: undefined }
  | { limit?: number; cursor: number; offset?: undefined };

export interface HistoryEntry {
  id: number;
  amount: number;
  balanceAfter: number;
  reason: LedgerReason;
  createdAt: Date;
  idempotencyKey: string | null;
  meta: Meta;
}
