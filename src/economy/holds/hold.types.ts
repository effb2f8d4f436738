import type { SqlRunner } from '../../database/sql-database';
import type { Meta } from '../domain/movement-input';
import type { KeyScope } from '../idempotency/scoped-key';

/** Why coins are held: what their capture debits for. */
export const HOLD_REASONS = ['PURCHASE', 'MANUAL_ADJUST'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

export type HoldStatus = 'PENDING' | 'CAPTURED' | 'RELEASED' | 'EXPIRED';

/** How long a hold lives unless told: a checkout's few minutes. */
export const DEFAULT_HOLD_SECONDS = 600;
export const MAX_HOLD_SECONDS = 86_400;

export interface HoldOptions {
  reason: HoldReason;
  /** 1 to MAX_HOLD_SECONDS; DEFAULT_HOLD_SECONDS when absent. */
  expiresInSeconds?: number;
  meta?: Meta | null;
  idempotencyKey?: string | null;
  keyScope?: KeyScope;
  requestFingerprint?: string;
  /** A caller's transaction to place the hold in (a purchase's, say). */
  transaction?: SqlRunner;
}

/** A hold as it stands. */
export interface HoldView {
  holdId: number;
  walletId: number;
  profileId: number;
  amount: number;
  reason: HoldReason;
  status: HoldStatus;
  expiresAt: Date;
  capturedAmount: number | null;
  transactionId: number | null;
  idempotencyKey: string | null;
  meta: Meta;
  createdAt: Date;
  closedAt: Date | null;
}

/** A hold just placed (or replayed), and what its wallet may spend now. */
export interface PlacedHold extends HoldView {
  available: number;
  replayed: boolean;
}

export interface CapturedHold {
  holdId: number;
  status: 'CAPTURED';
  capturedAmount: number;
  transactionId: number;
  balanceAfter: number;
}

export interface ReleasedHold {
  holdId: number;
  status: 'RELEASED';
}
