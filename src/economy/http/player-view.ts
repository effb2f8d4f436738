import { isPlayerOnly, type Principal } from '../../auth/principal';
import { INTERNAL_META, type Meta } from '../domain/movement-input';
import type { HistoryEntry, TransferResult } from '../wallets/wallet.types';

/** What the admin console wrote at the top of meta before INTERNAL_META existed. */
const LEGACY_CONSOLE_MEMBERS = ['note', 'operatorId'];

/**
 * A transfer as its caller may see it: a player sees its own side only (the
 * other wallet, its balance and its ledger row are the other player's).
 */
export function transferSeenBy(
  principal: Principal,
  result: TransferResult,
): Partial<TransferResult> & Pick<TransferResult, 'replayed'> {
  if (!isPlayerOnly(principal)) {
    return result;
  }
  return {
    fromWalletId: result.fromWalletId,
    fromBalanceAfter: result.fromBalanceAfter,
    debitTransactionId: result.debitTransactionId,
    idempotencyKey: result.idempotencyKey,
    replayed: result.replayed,
  };
}

/** History entries as their caller may see them: a player's without internal meta. */
export function historySeenBy(
  principal: Principal,
  entries: HistoryEntry[],
): HistoryEntry[] {
  return isPlayerOnly(principal)
    ? entries.map((entry) => ({ ...entry, meta: playerMeta(entry.meta) }))
    : entries;
}

function playerMeta(meta: Meta): Meta {
  const shown = { ...meta };
  delete shown[INTERNAL_META];
  if (shown.source === 'admin-console') {
    LEGACY_CONSOLE_MEMBERS.forEach((member) => delete shown[member]);
  }
  return shown;
}
