/**
 * Payouts' public surface: the HTTP edge and the admin console import from
 * here, never from payout's own folders.
 */
export { PayoutModule } from './payout.module';
export { PayoutHttpModule } from './http/payout-http.module';
export { PAYOUT_PROBLEMS } from './http/payout-problems';
export { PayoutService } from './payout.service';
export { TournamentsService } from './tournaments.service';
export * from './payout.errors';
export * from './payout.types';
export * from './entities';
