export interface WalletDrift {
  walletId: number;
  cached: number;
  /**
   * Exact: the wallets' CHECK keeps `cached` a safe integer, but ledger rows
   * written behind the service's back may sum beyond 2^53.
   */
  ledger: bigint;
  /** cached - ledger, exact. */
  drift: bigint;
  /** Only when they differ: the wallet's held total, and its pending holds' sum. */
  held?: { cached: number; pending: number };
}

export interface DriftBatch {
  /** Wallets compared in this batch, drifted or not. */
  checked: number;
  /** Highest wallet id of the batch: where the next batch starts. */
  lastWalletId: number;
  drifts: WalletDrift[];
}

export enum InvariantViolationKind {
  BalanceDrift = 'BALANCE_DRIFT',
  NegativeWithoutOverdraft = 'NEGATIVE_WITHOUT_OVERDRAFT',
  UnbalancedTransfer = 'UNBALANCED_TRANSFER',
  BrokenBalanceChain = 'BROKEN_BALANCE_CHAIN',
  HeldDrift = 'HELD_DRIFT',
}

export interface InvariantViolation {
  kind: InvariantViolationKind;
  walletId?: number;
  transactionId?: number;
  transferId?: number;
  detail: string;
}

export interface InvariantReport {
  ok: boolean;
  walletsChecked: number;
  violations: InvariantViolation[];
  /** True when a check found more violations than it lists. */
  truncated: boolean;
}
