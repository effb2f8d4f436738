/**
 * Why coins moved. The database refuses any other value (a CHECK on
 * `wallet_transactions.reason`); extending the set takes a migration that
 * replaces that CHECK, and one line here.
 */
export const LEDGER_REASONS = [
  'PARTICIPATION',
  'WINNER',
  'RUNNER_UP',
  'TOP4',
  'TRANSFER_IN',
  'TRANSFER_OUT',
  'MANUAL_ADJUST',
  'PURCHASE',
  'REFUND',
  'PROMO',
] as const;

export type LedgerReason = (typeof LEDGER_REASONS)[number];

/** Reasons that only the two legs of a transfer may carry. */
export const TRANSFER_LEG_REASONS: readonly LedgerReason[] = [
  'TRANSFER_IN',
  'TRANSFER_OUT',
];

export function isLedgerReason(value: unknown): value is LedgerReason {
  return (
    typeof value === 'string' &&
    (LEDGER_REASONS as readonly string[]).includes(value)
  );
}
