import { Injectable, Logger } from '@nestjs/common';
import { SqlDatabase, type SqlRunner } from '../../database/sql-database';
import { retryTransient } from '../../database/transient-retry';
import {
  requireAmount,
  requireMeta,
  requireMovementReason,
  requireOptionalReason,
  requireProfileId,
  type ProfileRef,
} from '../domain/movement-input';
import {
  InsufficientFunds,
  InvalidRequest,
  InvalidWallet,
} from '../economy.errors';
import { claimFor, KeyClaims, type KeyClaim } from '../idempotency/key-claims';
import type { WrittenLeg } from '../movements/ledger-legs';
import { LedgerWriter, type Written } from '../movements/ledger-writer';
import {
  movementResult,
  transferMeta,
  transferResult,
} from '../movements/movement-results';
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
 * The economy's one door: credits, debits and transfers DeltaCoins, and reads
 * wallets. Every argument is validated before anything is written; every
 * movement is one database transaction (see movement.statements.ts for the
 * locking argument). A keyed call made before with the same request replays
 * its result (`replayed`); with another request it is IdempotencyConflict.
 */
@Injectable()
export class WalletService {
  private readonly logger = new Logger(WalletService.name);

  constructor(
    private readonly database: SqlDatabase,
    private readonly directory: WalletDirectory,
    private readonly history: WalletHistory,
    private readonly writer: LedgerWriter,
    private readonly keys: KeyClaims,
  ) {}

  /** Credits the profile's wallet, creating it on a first credit. */
  async credit(
    profile: ProfileRef,
    amount: number,
    options: MovementOptions,
  ): Promise<MovementResult> {
    const profileId = requireProfileId(profile);
    const input = movementInput('CREDIT', profileId, amount, options);
    const move = (runner?: SqlRunner) =>
      this.writer.moveOneWallet(
        profileId,
        input.amount,
        input.reason,
        input.meta,
        input.claim,
        runner,
      );
    const written = await move();
    return this.settle(
      written.outcome === 'no-wallet'
        ? await this.withNewWallet(profileId, move)
        : written,
      input.claim,
    );
  }

  /** Debits the profile's wallet: within its balance unless it allows overdraft. */
  async debit(
    profile: ProfileRef,
    amount: number,
    options: MovementOptions,
  ): Promise<MovementResult> {
    const profileId = requireProfileId(profile);
    const input = movementInput('DEBIT', profileId, amount, options);
    const written = await this.writer.moveOneWallet(
      profileId,
      -input.amount,
      input.reason,
      input.meta,
      input.claim,
    );
    if (written.outcome === 'no-wallet') {
      throw await this.nothingToPayFrom(profileId, [profileId], input.claim);
    }
    return this.settle(written, input.claim);
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
    const move = (runner?: SqlRunner) =>
      this.writer.transfer(
        fromProfileId,
        toProfileId,
        checkedAmount,
        meta,
        claim,
        runner,
      );
    let written = await move();
    if (written.outcome === 'no-wallet') {
      if (!(await this.directory.hasWallet(fromProfileId))) {
        throw await this.nothingToPayFrom(
          fromProfileId,
          [fromProfileId, toProfileId],
          claim,
        );
      }
      written = await this.withNewWallet(toProfileId, move);
    }
    if (written.outcome !== 'written') {
      return transferResult(await this.keys.replay(claim!), claim, true);
    }
    const [debit, credit] = written.legs;
    this.logger.debug(
      `transfer wallet ${debit.walletId} -> wallet ${credit.walletId}: transactions ${debit.transactionId}, ${credit.transactionId}`,
    );
    return transferResult(written.legs, claim, false);
  }

  /**
   * Keyed credits of several wallets in one transaction, all or none, then
   * `andThen` in the same transaction (to record what they paid for). Each
   * credit replays like `credit` when its key was used before with the same
   * payload. All keys are claimed first, then all wallets locked in one
   * ascending pass (see movement.statements.ts).
   */
  async creditAll<T>(
    credits: KeyedCredit[],
    andThen: (results: MovementResult[], transaction: SqlRunner) => Promise<T>,
  ): Promise<T> {
    const inputs = credits.map((credit) => {
      const profileId = requireProfileId(credit.profileId);
      const input = movementInput('CREDIT', profileId, credit.amount, credit);
      if (input.claim === null) {
        throw new InvalidRequest(
          'every credit of a batch needs an idempotency key',
        );
      }
      return { ...input, claim: input.claim, profileId };
    });
    // One key names one movement: a key twice in a batch would pay twice.
    if (new Set(inputs.map((input) => input.claim.key)).size < inputs.length) {
      throw new InvalidRequest(
        'every credit of a batch needs an idempotency key of its own',
      );
    }
    const walletIds = await this.directory.ensureWalletIds(
      inputs.map((input) => input.profileId),
    );
    const batch = inputs.map((input, index) => ({
      ...input,
      walletId: walletIds[index],
    }));
    return retryTransient(() =>
      this.database.transaction(async (transaction) => {
        const written = await this.writer.creditMany(batch, transaction);
        const results: MovementResult[] = [];
        for (const { claim } of batch) {
          const leg = written.get(claim.key);
          results.push(
            leg !== undefined
              ? movementResult(leg, claim, false)
              : movementResult(
                  (await this.keys.replay(claim, transaction))[0],
                  claim,
                  true,
                ),
          );
        }
        return andThen(results, transaction);
      }),
    );
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

  /**
   * Runs `move` again in one transaction with the profile's new wallet, so
   * that a refused movement (no funds, a held key) leaves no wallet behind.
   */
  private withNewWallet<T>(
    profileId: number,
    move: (runner: SqlRunner) => Promise<Written<T>>,
  ): Promise<Written<T>> {
    return retryTransient(() =>
      this.database.transaction(
        async (transaction) => {
          await this.directory.createWallet(profileId, transaction);
          return move(transaction);
        },
        (written) => written.outcome === 'written',
      ),
    );
  }

  private async settle(
    written: Written<WrittenLeg>,
    claim: KeyClaim | null,
  ): Promise<MovementResult> {
    if (written.outcome === 'written') {
      const leg = written.legs;
      this.logger.debug(
        `wallet ${leg.walletId} moved ${leg.amount}: transaction ${leg.transactionId}`,
      );
      return movementResult(leg, claim, false);
    }
    if (written.outcome === 'no-wallet' || claim === null) {
      throw new Error('a movement on a wallet just created found none');
    }
    const [replayed] = await this.keys.replay(claim);
    return movementResult(replayed, claim, true);
  }

  /**
   * Why a movement out of a profile without a wallet fails: an unknown
   * profile, a key used before for another request, or no funds.
   */
  private async nothingToPayFrom(
    payer: number,
    profileIds: number[],
    claim: KeyClaim | null,
  ): Promise<Error> {
    for (const profileId of profileIds) {
      await this.directory.assertProfileExists(profileId);
    }
    await this.keys.refuseIfHeld(claim);
    return new InsufficientFunds(
      `insufficient funds: profile ${payer} has no wallet`,
    );
  }
}

/** A credit's or a debit's validated input and its key claim. */
function movementInput(
  operation: 'CREDIT' | 'DEBIT',
  profileId: number,
  amount: number,
  options: MovementOptions,
) {
  const checkedAmount = requireAmount(amount);
  const reason = requireMovementReason(options?.reason);
  return {
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
