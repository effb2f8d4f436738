/**
 * The promo module's public surface: the HTTP edge and the admin console
 * import from here, never from its folders.
 */
export { PromoModule } from './promo.module';
export { PromoHttpModule } from './http/promo-http.module';
export { PROMO_PROBLEMS } from './http/promo-problems';
export { CampaignService } from './campaign.service';
export { RedemptionService } from './redemption.service';
export { resolvePromoSecret } from './promo-secret';
export * from './promo.errors';
export * from './promo.types';
