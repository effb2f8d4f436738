import { DomainError } from '../common/domain-error';

/** Stable codes of every promo error. */
export enum PromoErrorCode {
  PromoInvalid = 'PROMO_INVALID',
  PromoAlreadyRedeemed = 'PROMO_ALREADY_REDEEMED',
  PromoRateLimited = 'PROMO_RATE_LIMITED',
  CampaignNotFound = 'CAMPAIGN_NOT_FOUND',
  InvalidPromoInput = 'INVALID_PROMO_INPUT',
  PromoCodeTaken = 'PROMO_CODE_TAKEN',
}

/** Base of every error the promo module raises on purpose. */
export abstract class PromoError extends DomainError {
  abstract override readonly code: PromoErrorCode;
}

/**
 * A code that grants nothing: unknown, spent, its campaign exhausted, not
 * yet started or ended. One answer for all, so a guesser learns nothing.
 */
export class PromoInvalid extends PromoError {
  readonly code = PromoErrorCode.PromoInvalid;

  constructor() {
    super('this code cannot be redeemed');
  }
}

/** The profile redeemed this campaign before. */
export class PromoAlreadyRedeemed extends PromoError {
  readonly code = PromoErrorCode.PromoAlreadyRedeemed;
}

/** Too many refused redemptions lately: wait `retryAfterSeconds`. */
export class PromoRateLimited extends PromoError {
  readonly code = PromoErrorCode.PromoRateLimited;

  constructor(override readonly retryAfterSeconds: number) {
    super(
      `too many refused redemptions: try again in ${retryAfterSeconds} seconds`,
    );
  }
}

export class CampaignNotFound extends PromoError {
  readonly code = PromoErrorCode.CampaignNotFound;
}

/** A malformed campaign or redemption: a bad code, amount, limit or window. */
export class InvalidPromoInput extends PromoError {
  readonly code = PromoErrorCode.InvalidPromoInput;
}

/** Another campaign has this shared code. */
export class PromoCodeTaken extends PromoError {
  readonly code = PromoErrorCode.PromoCodeTaken;
}
