import type { ProblemTable } from '../../common/domain-error';
import { PromoErrorCode } from '../promo.errors';

/** How HTTP answers each promo error. */
export const PROMO_PROBLEMS: ProblemTable<PromoErrorCode> = {
  [PromoErrorCode.PromoInvalid]: { status: 422 },
  [PromoErrorCode.PromoAlreadyRedeemed]: { status: 409 },
  // The error carries its own Retry-After.
  [PromoErrorCode.PromoRateLimited]: { status: 429, code: 'RATE_LIMITED' },
  [PromoErrorCode.CampaignNotFound]: { status: 404, code: 'NOT_FOUND' },
  [PromoErrorCode.InvalidPromoInput]: {
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  [PromoErrorCode.PromoCodeTaken]: { status: 409 },
};
