import type { ProblemTable } from '../../common/domain-error';
import { EconomyErrorCode } from '../economy.errors';

/** How HTTP answers each economy error. */
export const ECONOMY_PROBLEMS: ProblemTable<EconomyErrorCode> = {
  [EconomyErrorCode.InvalidAmount]: { status: 400 },
  [EconomyErrorCode.ValidationFailed]: { status: 400 },
  [EconomyErrorCode.InsufficientFunds]: { status: 422 },
  [EconomyErrorCode.InvalidWallet]: { status: 422 },
  [EconomyErrorCode.ProfileNotFound]: { status: 404, code: 'NOT_FOUND' },
  [EconomyErrorCode.IdempotencyConflict]: { status: 409 },
  [EconomyErrorCode.HoldNotFound]: { status: 404, code: 'NOT_FOUND' },
  [EconomyErrorCode.HoldState]: { status: 409 },
  // An invariant the ledger breaks is a case for an operator, not a client.
  [EconomyErrorCode.LedgerInconsistent]: { status: 500, code: 'INTERNAL' },
};
