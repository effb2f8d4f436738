import type { LedgerReason } from './domain/ledger-reason';
import type { Meta } from './domain/movement-input';

export interface MovementOptions {
  reason: LedgerReason;
  idempotencyKey?: string | null;
  meta?: Meta | null;
  /** Compared on replay besides the payload (see WalletService.claimFor). */
  requestFingerprint?: string;
}

export interface TransferOptions {
  /** Why the coins move; kept in each leg's meta as `transferReason`. */
  reason?: LedgerReason | null;
  idempotencyKey?: string | null;
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

/** A result, and whether it replays an earlier call with the same key. */
export interface Outcome<T> {
  result: T;
  replayed: boolean;
}

export interface MovementResult {
  walletId: number;
  balanceAfter: number;
  transactionId: number;
  idempotencyKey: string | null;
}

export interface TransferResult {
  fromWalletId: number;
  toWalletId: number;
  fromBalanceAfter: number;
  toBalanceAfter: number;
  debitTransactionId: number;
  creditTransactionId: number;
  idempotencyKey: string | null;
}

export interface WalletView {
  profileId: number;
  walletId: number | null;
  balance: number;
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
