import { Injectable } from '@nestjs/common';
import type { SqlRunner } from '../../database/sql-database';
import {
  requireAmount,
  requireMeta,
  requireMovementReason,
  requireOptionalReason,
  requireProfileId,
  type ProfileRef,
} from '../domain/movement-input';
import { InvalidRequest, InvalidWallet } from '../economy.errors';
import { HoldBook } from '../holds/hold-book';
import { holdInput, requireHoldId } from '../holds/hold-input';
import type {
  CapturedHold,
  HoldOptions,
  HoldView,
  PlacedHold,
  ReleasedHold,
} from '../holds/hold.types';
import { claimFor } from '../idempotency/key-claims';
import { BatchCredits } from '../movements/batch-credits';
import { transferMeta } from '../movements/movement-results';
import {
  SingleMovements,
  type MovementInput,
} from '../movements/single-movements';
import { WalletDirectory } from './wallet-directory';
import { WalletHistory } from './wallet-history';
import type {
  HistoryEntry,
  HistoryPage,
  KeyedCredit,
  MovementOptions,
  MovementResult,
  TransferOptions,
  TransferResult,
  WalletView,
} from './wallet.types';

/**
 * The economy's one door: moves DeltaCoins, holds them, and reads wallets.
 * Every argument is validated here, before anything is written; every
 * movement is one database transaction (see movement.statements.ts for the
 * locking argument). A keyed call made before with the same request replays
 * its result (`replayed`); with another request it is IdempotencyConflict.
 */
@Injectable()
export class WalletService {
  constructor(
    private readonly movements: SingleMovements,
    private readonly batches: BatchCredits,
    private readonly holds: HoldBook,
    private readonly directory: WalletDirectory,
    private readonly history: WalletHistory,
  ) {}

  /** Credits the profile's wallet, creating it on a first credit. */
  async credit(
    profile: ProfileRef,
    amount: number,
    options: MovementOptions,
  ): Promise<MovementResult> {
    return await this.movements.credit(
      movementInput('CREDIT', profile, amount, options),
      options.transaction,
    );
  }

  /** Debits the profile's wallet: within what it has available unless it allows overdraft. */
  async debit(
    profile: ProfileRef,
    amount: number,
    options: MovementOptions,
  ): Promise<MovementResult> {
    return await this.movements.debit(
      movementInput('DEBIT', profile, amount, options),
    );
  }

  /** Moves coins between two profiles' wallets, in one transaction. */
  async transfer(
    fromProfile: ProfileRef,
    toProfile: ProfileRef,
    amount: number,
    options: TransferOptions = {},
  ): Promise<TransferResult> {
    const fromProfileId = requireProfileId(fromProfile);
    const toProfileId = requireProfileId(toProfile);
    const checkedAmount = requireAmount(amount);
    const reason = requireOptionalReason(options.reason);
    const meta = transferMeta(requireMeta(options.meta), reason);
    const claim = claimFor(options, 'TRANSFER', {
      fromProfileId,
      toProfileId,
      amount: checkedAmount,
      reason,
    });
    if (fromProfileId === toProfileId) {
      throw new InvalidWallet(
        `profile ${fromProfileId} cannot transfer to itself`,
      );
    }
    return await this.movements.transfer({
      fromProfileId,
      toProfileId,
      amount: checkedAmount,
      meta,
      claim,
    });
  }

  /**
   * Keyed credits of several wallets in one transaction, all or none, then
   * `andThen` in the same transaction (see BatchCredits).
   */
  async creditAll<T>(
    credits: KeyedCredit[],
    andThen: (results: MovementResult[], transaction: SqlRunner) => Promise<T>,
  ): Promise<T> {
    return await this.batches.creditAll(
      credits.map((credit) =>
        movementInput('CREDIT', credit.profileId, credit.amount, credit),
      ),
      andThen,
    );
  }

  /**
   * Reserves coins for a later capture: the wallet's `available` (balance
   * minus what pending holds reserve) must cover them unless it allows
   * overdraft. A keyed call replays as `credit` does.
   */
  async hold(
    profile: ProfileRef,
    amount: number,
    options: HoldOptions,
  ): Promise<PlacedHold> {
    return await this.holds.place(
      holdInput(profile, amount, options),
      options.transaction,
    );
  }

  /** Settles up to the held amount (all of it by default) as one debit; the rest is released. */
  async capture(
    holdId: number,
    options: { amount?: number; transaction?: SqlRunner } = {},
  ): Promise<CapturedHold> {
    return await this.holds.capture(
      requireHoldId(holdId),
      options.amount === undefined ? null : requireAmount(options.amount),
      options.transaction,
    );
  }

  /** Voids a pending hold: HoldState once it has ended. */
  async release(
    holdId: number,
    options: { transaction?: SqlRunner } = {},
  ): Promise<ReleasedHold> {
    return await this.holds.release(requireHoldId(holdId), options.transaction);
  }

  /**
   * Ends a pending hold past its expiry as EXPIRED now, for a caller that
   * settles its own expired holds (the shop's expired purchases).
   */
  async expireHold(
    holdId: number,
    options: { transaction?: SqlRunner } = {},
  ): Promise<void> {
    await this.holds.expire(requireHoldId(holdId), options.transaction);
  }

  /** The hold; in `transaction` when given (else a second connection it could wait for). */
  async getHold(
    holdId: number,
    options: { transaction?: SqlRunner } = {},
  ): Promise<HoldView> {
    return await this.holds.find(requireHoldId(holdId), options.transaction);
  }

  /** Expires every pending hold past its expiry, now; how many. */
  expireHolds(): Promise<number> {
    return this.holds.expireDue();
  }

  /** The profile's wallet id, creating an empty wallet if it has none. */
  async ensureWallet(profile: ProfileRef): Promise<number> {
    return await this.directory.ensureWalletId(requireProfileId(profile));
  }

  /** `ensureWallet` for many profiles at once, in their order. */
  async ensureWallets(profiles: ProfileRef[]): Promise<number[]> {
    return await this.directory.ensureWalletIds(profiles.map(requireProfileId));
  }

  /** The profile's wallet; `walletId` null and balance 0 while it has none. */
  async getWallet(profile: ProfileRef): Promise<WalletView> {
    return await this.directory.view(requireProfileId(profile));
  }

  async getBalance(profile: ProfileRef): Promise<number> {
    return (await this.getWallet(profile)).balance;
  }

  /** The wallet's ledger rows, newest first (see WalletHistory). */
  async getTransactionHistory(
    profile: ProfileRef,
    page: HistoryPage = {},
  ): Promise<HistoryEntry[]> {
    return await this.history.page(requireProfileId(profile), page);
  }

  async setOverdraft(
    profile: ProfileRef,
    allowed: boolean,
  ): Promise<WalletView> {
    const profileId = requireProfileId(profile);
    if (typeof allowed !== 'boolean') {
      throw new InvalidRequest('allowed must be a boolean');
    }
    return await this.directory.setOverdraft(profileId, allowed);
  }
}

/** A credit's or a debit's validated input and its key claim. */
function movementInput(
  operation: 'CREDIT' | 'DEBIT',
  profile: ProfileRef,
  amount: number,
  options: MovementOptions,
): MovementInput {
  const profileId = requireProfileId(profile);
  const checkedAmount = requireAmount(amount);
  const reason = requireMovementReason(options?.reason);
  return {
    profileId,
    amount: checkedAmount,
    reason,
    meta: requireMeta(options.meta),
    claim: claimFor(options, operation, {
      profileId,
      amount: checkedAmount,
      reason,
    }),
  };
}
