import { safeIntegerFromDatabase } from '../../common/safe-integer';

/** One ledger row a movement wrote: one wallet's leg of it. */
export interface WrittenLeg {
  transactionId: number;
  walletId: number;
  amount: number;
  balanceAfter: number;
}

/** The columns of `wallet_transactions` a leg is read from. */
export interface LegRow {
  id: string;
  wallet_id: string;
  amount: string;
  balance_after: string;
}

export function toLeg(row: LegRow): WrittenLeg {
  return {
    transactionId: safeIntegerFromDatabase(row.id),
    walletId: safeIntegerFromDatabase(row.wallet_id),
    amount: safeIntegerFromDatabase(row.amount),
    balanceAfter: safeIntegerFromDatabase(row.balance_after),
  };
}
