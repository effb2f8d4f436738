export interface WalletDrift {
  walletId: number;
  cached: number;
  ledger: number;
  /** cached - ledger */
  drift: number;
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
