import { Injectable } from '@nestjs/common';
import { SqlDatabase, type SqlRunner } from '../../database/sql-database';
import { retryTransient } from '../../database/transient-retry';
import { InvalidRequest } from '../economy.errors';
import { KeyClaims } from '../idempotency/key-claims';
import { WalletDirectory } from '../wallets/wallet-directory';
import type { MovementResult } from '../wallets/wallet.types';
import { LedgerWriter } from './ledger-writer';
import { countAnswered, countFailed } from './movement-counts';
import { movementResult } from './movement-results';
import type { MovementInput } from './single-movements';

/**
 * Keyed credits of several wallets in one transaction, all or none (payouts).
 * Each credit replays like a single credit when its key was used before with
 * the same payload. All keys are claimed first, then all wallets locked in
 * one ascending pass (see movement.statements.ts).
 */
@Injectable()
export class BatchCredits {
  constructor(
    private readonly database: SqlDatabase,
    private readonly directory: WalletDirectory,
    private readonly writer: LedgerWriter,
    private readonly keys: KeyClaims,
  ) {}

  /** The credits, then `andThen` in the same transaction (to record what they paid for). */
  async creditAll<T>(
    inputs: MovementInput[],
    andThen: (results: MovementResult[], transaction: SqlRunner) => Promise<T>,
  ): Promise<T> {
    const claims = inputs.map((input) => {
      if (input.claim === null) {
        throw new InvalidRequest(
          'every credit of a batch needs an idempotency key',
        );
      }
      return input.claim;
    });
    // One key names one movement: a key twice in a batch would pay twice.
    if (new Set(claims.map((claim) => claim.key)).size < claims.length) {
      throw new InvalidRequest(
        'every credit of a batch needs an idempotency key of its own',
      );
    }
    const walletIds = await this.directory.ensureWalletIds(
      inputs.map((input) => input.profileId),
    );
    const batch = inputs.map((input, index) => ({
      ...input,
      claim: claims[index],
      walletId: walletIds[index],
    }));
    // Counted once the transaction ends: the last attempt's results.
    let results: MovementResult[] = [];
    let answer: T;
    try {
      answer = await retryTransient(() =>
        this.database.transaction(async (transaction) => {
          const written = await this.writer.creditMany(batch, transaction);
          results = [];
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
    } catch (error) {
      countFailed('credit', error, batch.length);
      throw error;
    }
    countAnswered('credit', results);
    return answer;
  }
}
