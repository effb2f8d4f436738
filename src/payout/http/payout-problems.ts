import type { ProblemTable } from '../../common/domain-error';
import { PayoutErrorCode } from '../payout.errors';

/** How HTTP answers each payout error. */
export const PAYOUT_PROBLEMS: ProblemTable<PayoutErrorCode> = {
  [PayoutErrorCode.TournamentNotFound]: { status: 404, code: 'NOT_FOUND' },
  [PayoutErrorCode.RegistrationNotFound]: { status: 404, code: 'NOT_FOUND' },
  [PayoutErrorCode.InvalidPlacements]: {
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  [PayoutErrorCode.RegistrationNotVerified]: { status: 422 },
  [PayoutErrorCode.TournamentNotCompleted]: { status: 422 },
  [PayoutErrorCode.TournamentClosed]: { status: 422 },
  [PayoutErrorCode.AlreadyRegistered]: { status: 409 },
  [PayoutErrorCode.PrizeAlreadyRecorded]: { status: 409 },
};
