import type { LedgerReason } from '../domain/ledger-reason';
import type { Meta } from '../domain/movement-input';
import type { KeyClaim } from '../idempotency/key-claims';
import type { MovementResult, TransferResult } from '../wallets/wallet.types';
import type { WrittenLeg } from './ledger-legs';

/** What a movement's caller gets back: its leg, the key as sent, and whether it is a replay. */
export function movementResult(
  leg: WrittenLeg,
  claim: KeyClaim | null,
  replayed: boolean,
): MovementResult {
  return {
    walletId: leg.walletId,
    balanceAfter: leg.balanceAfter,
    transactionId: leg.transactionId,
    idempotencyKey: claim?.sentKey ?? claim?.key ?? null,
    replayed,
  };
}

export function transferResult(
  legs: WrittenLeg[],
  claim: KeyClaim | null,
  replayed: boolean,
): TransferResult {
  const debit = legs.find((leg) => leg.amount < 0);
  const credit = legs.find((leg) => leg.amount > 0);
  if (debit === undefined || credit === undefined) {
    throw new Error('a transfer must have a debit leg and a credit leg');
  }
  return {
    fromWalletId: debit.walletId,
    toWalletId: credit.walletId,
    fromBalanceAfter: debit.balanceAfter,
    toBalanceAfter: credit.balanceAfter,
    debitTransactionId: debit.transactionId,
    creditTransactionId: credit.transactionId,
    idempotencyKey: claim?.sentKey ?? claim?.key ?? null,
    replayed,
  };
}

/** The transfer's reason rides in both legs' meta; a caller cannot forge it. */
export function transferMeta(meta: Meta, reason: LedgerReason | null): Meta {
  const rest = { ...meta };
  delete rest.transferReason;
  return reason === null ? rest : { ...rest, transferReason: reason };
}
