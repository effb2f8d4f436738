import { Injectable } from '@nestjs/common';
import {
  PostgresErrorCode,
  postgresErrorOf,
} from '../../database/postgres-error';
import {
  type PreparedStatement,
  type SqlRunner,
} from '../../database/sql-database';
import type { LedgerReason } from '../domain/ledger-reason';
import type { Meta } from '../domain/movement-input';
import { economyErrorFromPostgres } from '../economy-refusals';
import type { KeyClaim } from '../idempotency/key-claims';
import { toLeg, type LegRow, type WrittenLeg } from './ledger-legs';
import {
  CLAIM_KEYS,
  CREDIT_CLAIMED,
  MOVE_ONE_WALLET,
  TRANSFER,
} from './movement.statements';

/**
 * What a single movement's statement did: wrote its legs, found its key
 * held by an earlier movement (a replay or a conflict; in a caller's
 * transaction, that transaction is now aborted), or found a wallet missing.
 */
export type Written<T> =
  | { outcome: 'written'; legs: T }
  | { outcome: 'key-held' }
  | { outcome: 'no-wallet' };

/** One credit of a batch, as LedgerWriter.creditMany takes it. */
export interface BatchCredit {
  walletId: number;
  amount: number;
  reason: LedgerReason;
  meta: Meta;
  claim: KeyClaim;
}

/**
 * Writes money movements to the ledger in a caller's transaction, each one
 * statement (see movement.statements.ts for the locking argument);
 * validation happens before, in WalletService. On the pool, movements go
 * through the MovementCoalescer instead.
 */
@Injectable()
export class LedgerWriter {
  /** Credits (positive `signedAmount`) or debits the profile's wallet. */
  async moveOneWallet(
    profileId: number,
    signedAmount: number,
    reason: LedgerReason,
    meta: Meta,
    claim: KeyClaim | null,
    runner: SqlRunner,
  ): Promise<Written<WrittenLeg>> {
    const written = await this.run(
      runner,
      MOVE_ONE_WALLET,
      [
        profileId,
        signedAmount,
        reason,
        claim?.key ?? null,
        claim?.operation ?? null,
        claim ? JSON.stringify(claim.request) : null,
        JSON.stringify(meta),
        claim?.sentKey ?? null,
      ],
      `profile ${profileId}`,
    );
    return written.outcome === 'written'
      ? { outcome: 'written', legs: written.legs[0] }
      : written;
  }

  /** Moves `amount` between two profiles' wallets: the debit leg, then the credit leg. */
  async transfer(
    fromProfileId: number,
    toProfileId: number,
    amount: number,
    meta: Meta,
    claim: KeyClaim | null,
    runner: SqlRunner,
  ): Promise<Written<[WrittenLeg, WrittenLeg]>> {
    const written = await this.run(
      runner,
      TRANSFER,
      [
        fromProfileId,
        toProfileId,
        amount,
        claim?.key ?? null,
        claim ? JSON.stringify(claim.request) : null,
        JSON.stringify(meta),
        claim?.sentKey ?? null,
      ],
      `transfer from profile ${fromProfileId} to profile ${toProfileId}`,
    );
    if (written.outcome !== 'written') {
      return written;
    }
    if (written.legs.length !== 2) {
      throw new Error(
        `transfer wrote ${written.legs.length} legs instead of 2`,
      );
    }
    return { outcome: 'written', legs: [written.legs[0], written.legs[1]] };
  }

  /**
   * Keyed credits in the caller's transaction: claims every key first, then
   * writes the credits whose keys it claimed. Returns the legs written, by
   * key; a credit missing from the map wrote nothing (its key was held).
   */
  async creditMany(
    credits: BatchCredit[],
    runner: SqlRunner,
  ): Promise<Map<string, WrittenLeg>> {
    try {
      const claimed = new Set(
        (
          await runner.run<{ key: string }>(CLAIM_KEYS, [
            JSON.stringify(
              credits.map((credit) => ({
                key: credit.claim.key,
                request: credit.claim.request,
              })),
            ),
          ])
        ).map((row) => row.key),
      );
      const toWrite = credits.filter((credit) => claimed.has(credit.claim.key));
      if (toWrite.length === 0) {
        return new Map();
      }
      const rows = await runner.run<LegRow & { idempotency_key: string }>(
        CREDIT_CLAIMED,
        [
          JSON.stringify(
            toWrite.map((credit) => ({
              wallet_id: credit.walletId,
              amount: credit.amount,
              reason: credit.reason,
              key: credit.claim.key,
              meta: credit.meta,
            })),
          ),
          toWrite.map((credit) => credit.walletId),
        ],
      );
      return new Map(rows.map((row) => [row.idempotency_key, toLeg(row)]));
    } catch (error) {
      throw economyErrorFromPostgres(
        error,
        `a batch of ${credits.length} credits`,
      );
    }
  }

  /**
   * The caller retries its whole transaction on a transient error. A key
   * held already fails the statement on the key (a plain INSERT: see
   * docs/decisions.md), which writes nothing: `key-held`.
   */
  private async run(
    runner: SqlRunner,
    statement: PreparedStatement,
    values: unknown[],
    context: string,
  ): Promise<Written<WrittenLeg[]>> {
    try {
      const rows = await runner.run<LegRow>(statement, values);
      return rows.length === 0
        ? { outcome: 'no-wallet' }
        : { outcome: 'written', legs: rows.map(toLeg) };
    } catch (error) {
      const { code, constraint } = postgresErrorOf(error);
      if (
        code === PostgresErrorCode.UniqueViolation &&
        constraint === 'idempotency_keys_pkey'
      ) {
        return { outcome: 'key-held' };
      }
      throw economyErrorFromPostgres(error, context);
    }
  }
}
