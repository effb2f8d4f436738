/**
 * The economy's public surface: other modules, the HTTP edge and the admin
 * console import from here, never from the economy's own folders.
 */
export { EconomyModule } from './economy.module';
export { EconomyHttpModule } from './http/economy-http.module';
export { ECONOMY_PROBLEMS } from './http/economy-problems';
export { WalletService } from './wallets/wallet.service';
export { LedgerService } from './reconciliation/ledger.service';
export * from './economy.errors';
export * from './wallets/wallet.types';
export * from './reconciliation/ledger.types';
export { LEDGER_REASONS, type LedgerReason } from './domain/ledger-reason';
export {
  INTERNAL_META,
  isIdempotencyKey,
  requireInteger,
  type Meta,
} from './domain/movement-input';
export { DEFAULT_DRIFT_BATCH_SIZE } from './reconciliation/ledger.service';
export * from './entities';
export {
  CONSOLE_KEY_SCOPE,
  scopedLedgerKey,
  type KeyScope,
} from './idempotency/scoped-key';
export * from './holds/hold.types';
export { placeHoldSteps } from './holds/hold.statements';
export {
  economyErrorFromPostgres,
  walletCheckRefusal,
} from './economy-refusals';
