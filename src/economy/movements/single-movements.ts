import { Injectable, Logger } from '@nestjs/common';
import { SqlDatabase, type SqlRunner } from '../../database/sql-database';
import { retryTransient } from '../../database/transient-retry';
import type { LedgerReason } from '../domain/ledger-reason';
import type { Meta } from '../domain/movement-input';
import { InsufficientFunds } from '../economy.errors';
import { KeyClaims, type KeyClaim } from '../idempotency/key-claims';
import { WalletDirectory } from '../wallets/wallet-directory';
import type { MovementResult, TransferResult } from '../wallets/wallet.types';
import type { WrittenLeg } from './ledger-legs';
import { LedgerWriter, type Written } from './ledger-writer';
import type { CoalescedMovement } from './movement-batch-writer';
import { countedMovement } from './movement-counts';
import { MovementCoalescer } from './movement-coalescer';
import { movementResult, transferResult } from './movement-results';

/** A credit's or a debit's validated input and its key claim. */
export interface MovementInput {
  profileId: number;
  amount: number;
  reason: LedgerReason;
  meta: Meta;
  claim: KeyClaim | null;
}

/** A transfer's validated input. */
export interface TransferInput {
  fromProfileId: number;
  toProfileId: number;
  amount: number;
  meta: Meta;
  claim: KeyClaim | null;
}

/**
 * Credits, debits and transfers, a replay when its key was used before: on
 * the pool through the coalescer (batches, one commit for many), in a
 * caller's transaction as one statement each (see movement.statements.ts). A
 * profile without a wallet gets one in the movement's transaction, so that a
 * refused movement leaves none behind.
 */
@Injectable()
export class SingleMovements {
  private readonly logger = new Logger(SingleMovements.name);

  constructor(
    private readonly database: SqlDatabase,
    private readonly directory: WalletDirectory,
    private readonly writer: LedgerWriter,
    private readonly keys: KeyClaims,
    private readonly coalescer: MovementCoalescer,
  ) {}

  /**
   * In `transaction` when given (a refund inside a purchase's, say): then
   * the wallet, if created, is the transaction's, and a held key aborts it.
   * Counted when the statement answers, whatever the transaction does next.
   */
  credit(
    input: MovementInput,
    transaction?: SqlRunner,
  ): Promise<MovementResult> {
    return countedMovement('credit', () =>
      this.writeCredit(input, transaction),
    );
  }

  debit(input: MovementInput): Promise<MovementResult> {
    return countedMovement('debit', () => this.writeDebit(input));
  }

  transfer(input: TransferInput): Promise<TransferResult> {
    return countedMovement('transfer', () => this.writeTransfer(input));
  }

  private async writeCredit(
    input: MovementInput,
    transaction?: SqlRunner,
  ): Promise<MovementResult> {
    const move = (runner: SqlRunner) =>
      this.writer.moveOneWallet(
        input.profileId,
        input.amount,
        input.reason,
        input.meta,
        input.claim,
        runner,
      );
    if (transaction !== undefined) {
      let written = await move(transaction);
      if (written.outcome === 'no-wallet') {
        await this.directory.createWallet(input.profileId, transaction);
        written = await move(transaction);
      }
      if (written.outcome !== 'written') {
        throw new Error(`a credit's key is held already: ${input.claim?.key}`);
      }
      return this.settle(written, input.claim);
    }
    const written = await this.coalesced<WrittenLeg>({
      fromProfileId: null,
      toProfileId: input.profileId,
      amount: input.amount,
      reason: input.reason,
      meta: input.meta,
      claim: input.claim,
    });
    return this.settle(
      written.outcome === 'no-wallet'
        ? await this.withNewWallet(input.profileId, move)
        : written,
      input.claim,
    );
  }

  private async writeDebit(input: MovementInput): Promise<MovementResult> {
    const written = await this.coalesced<WrittenLeg>({
      fromProfileId: input.profileId,
      toProfileId: null,
      amount: input.amount,
      reason: input.reason,
      meta: input.meta,
      claim: input.claim,
    });
    if (written.outcome === 'no-wallet') {
      throw await this.nothingToPayFrom(
        input.profileId,
        [input.profileId],
        input.claim,
      );
    }
    return this.settle(written, input.claim);
  }

  private async writeTransfer(input: TransferInput): Promise<TransferResult> {
    const { fromProfileId, toProfileId, claim } = input;
    const move = (runner: SqlRunner) =>
      this.writer.transfer(
        fromProfileId,
        toProfileId,
        input.amount,
        input.meta,
        claim,
        runner,
      );
    let written = await this.coalesced<[WrittenLeg, WrittenLeg]>({
      fromProfileId,
      toProfileId,
      amount: input.amount,
      reason: null,
      meta: input.meta,
      claim,
    });
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

  /** The movement through the coalescer; a one-wallet movement's legs are its one leg. */
  private async coalesced<T extends WrittenLeg | [WrittenLeg, WrittenLeg]>(
    movement: CoalescedMovement,
  ): Promise<Written<T>> {
    const done = await this.coalescer.move(movement);
    if (done.outcome !== 'written') {
      return done;
    }
    const oneWallet =
      movement.fromProfileId === null || movement.toProfileId === null;
    return {
      outcome: 'written',
      legs: (oneWallet ? done.legs[0] : [done.legs[0], done.legs[1]]) as T,
    };
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
