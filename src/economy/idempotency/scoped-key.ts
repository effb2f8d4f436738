import { createHash } from 'node:crypto';

/**
 * Who sent an idempotency key: a key is scoped to its caller, so that two
 * callers never share one (nor block or replay each other's movements), and
 * no caller's key meets the payouts' own deterministic keys.
 */
export interface KeyScope {
  namespace: 'http' | 'console';
  caller: string;
}

/** Every run of the admin console is one caller. */
export const CONSOLE_KEY_SCOPE: KeyScope = {
  namespace: 'console',
  caller: 'admin-console',
};

/** The ledger's key for `key` sent by `scope`'s caller: a digest of both. */
export function scopedLedgerKey(scope: KeyScope, key: string): string {
  const digest = createHash('sha256')
    .update(`${scope.caller}\n${key}`)
    .digest('base64url');
  return `${scope.namespace}:${digest}`;
}

const SCOPED_LEDGER_KEY = /^(http|console):/;

/**
 * The key a ledger row shows: the one its caller sent; none for a scoped key
 * stored before the sent key was kept beside it (the caller never sent the
 * digest); an unscoped key (a payout's) as it is.
 */
export function shownKey(
  ledgerKey: string | null,
  clientKey: string | null,
): string | null {
  if (clientKey !== null || ledgerKey === null) {
    return clientKey;
  }
  return SCOPED_LEDGER_KEY.test(ledgerKey) ? null : ledgerKey;
}
