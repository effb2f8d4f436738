import { Injectable, Logger } from '@nestjs/common';
import {
  safeIntegerFromDatabase,
  safeIntegerOrNull,
} from '../../common/safe-integer';
import {
  PostgresErrorCode,
  postgresErrorOf,
} from '../../database/postgres-error';
import { SqlDatabase, type SqlRunner } from '../../database/sql-database';
import { retryTransient } from '../../database/transient-retry';
import type { Meta } from '../domain/movement-input';
import {
  HoldNotFound,
  HoldState,
  InsufficientFunds,
  InvalidAmount,
} from '../economy.errors';
import { economyErrorFromPostgres } from '../economy-refusals';
import { KeyClaims, type KeyClaim } from '../idempotency/key-claims';
import { shownKey } from '../idempotency/scoped-key';
import { WalletDirectory } from '../wallets/wallet-directory';
import {
  CAPTURE_HOLD,
  EXPIRE_DUE_HOLDS,
  FIND_HOLD,
  FIND_HOLD_BY_KEY,
  PLACE_HOLD,
  RELEASE_HOLD,
} from './hold.statements';
import type {
  CapturedHold,
  HoldReason,
  HoldStatus,
  HoldView,
  PlacedHold,
  ReleasedHold,
} from './hold.types';

interface HoldRow {
  id: string;
  wallet_id: string;
  profile_id: string;
  amount: string;
  reason: HoldReason;
  status: HoldStatus;
  expires_at: Date;
  captured_amount: string | null;
  transaction_id: string | null;
  idempotency_key: string | null;
  client_idempotency_key: string | null;
  meta: Meta;
  created_at: Date;
  closed_at: Date | null;
}

/** A hold to place, validated (see WalletService.hold). */
export interface HoldInput {
  profileId: number;
  amount: number;
  reason: HoldReason;
  expiresInSeconds: number;
  meta: Meta;
  claim: KeyClaim | null;
}

/** Due holds one sweep expires at most; a sweep repeats while it fills them. */
const EXPIRY_BATCH = 500;

/**
 * Holds: coins reserved, then captured (one ledger debit) or released,
 * exactly once (see hold.statements.ts for the locking argument).
 */
@Injectable()
export class HoldBook {
  private readonly logger = new Logger(HoldBook.name);

  constructor(
    private readonly database: SqlDatabase,
    private readonly directory: WalletDirectory,
    private readonly keys: KeyClaims,
  ) {}

  async place(input: HoldInput, runner?: SqlRunner): Promise<PlacedHold> {
    let rows: (HoldRow & { available: string })[];
    try {
      rows = await this.run(runner, (target) =>
        target.run(PLACE_HOLD, [
          input.profileId,
          input.amount,
          input.reason,
          input.expiresInSeconds,
          input.claim?.key ?? null,
          input.claim ? JSON.stringify(input.claim.request) : null,
          input.claim?.sentKey ?? null,
          JSON.stringify(input.meta),
        ]),
      );
    } catch (error) {
      const { code, constraint } = postgresErrorOf(error);
      if (
        code === PostgresErrorCode.UniqueViolation &&
        constraint === 'idempotency_keys_pkey' &&
        input.claim !== null
      ) {
        return this.replay(input.claim);
      }
      throw economyErrorFromPostgres(error, `profile ${input.profileId}`);
    }
    if (rows.length === 0) {
      // In the caller's transaction when there is one: a second connection
      // from the pool could wait behind every transaction holding one.
      await this.directory.assertProfileExists(input.profileId, runner);
      await this.keys.refuseIfHeld(input.claim);
      throw new InsufficientFunds(
        `insufficient funds: profile ${input.profileId} has no wallet`,
      );
    }
    const [row] = rows;
    this.logger.debug(`wallet ${row.wallet_id}: hold ${row.id} placed`);
    return {
      ...holdView(row),
      available: safeIntegerFromDatabase(row.available),
      replayed: false,
    };
  }

  /** Settles up to the held amount as one ledger debit; the rest is released. */
  async capture(
    holdId: number,
    amount: number | null,
    runner?: SqlRunner,
  ): Promise<CapturedHold> {
    const [row] = await this.run(runner, (target) =>
      target.run<{
        id: string;
        captured_amount: string;
        transaction_id: string;
        balance_after: string;
      }>(CAPTURE_HOLD, [holdId, amount]),
    );
    if (row === undefined) {
      throw await this.whyNot('captured', holdId, amount, runner);
    }
    this.logger.debug(
      `hold ${holdId} captured: transaction ${row.transaction_id}`,
    );
    return {
      holdId,
      status: 'CAPTURED',
      capturedAmount: safeIntegerFromDatabase(row.captured_amount),
      transactionId: safeIntegerFromDatabase(row.transaction_id),
      balanceAfter: safeIntegerFromDatabase(row.balance_after),
    };
  }

  /** Voids a pending hold, so that its wallet may spend the coins again. */
  async release(holdId: number, runner?: SqlRunner): Promise<ReleasedHold> {
    await this.end(holdId, 'RELEASED', runner);
    return { holdId, status: 'RELEASED' };
  }

  /** Ends a pending hold past its expiry as EXPIRED, at once (its owner's own sweep). */
  async expire(holdId: number, runner?: SqlRunner): Promise<void> {
    await this.end(holdId, 'EXPIRED', runner);
  }

  private async end(
    holdId: number,
    status: 'RELEASED' | 'EXPIRED',
    runner?: SqlRunner,
  ): Promise<void> {
    const rows = await this.run(runner, (target) =>
      target.run(RELEASE_HOLD, [holdId, status]),
    );
    if (rows.length === 0) {
      throw await this.whyNot(
        status === 'RELEASED' ? 'released' : 'expired',
        holdId,
        null,
        runner,
      );
    }
    this.logger.debug(`hold ${holdId} ${status.toLowerCase()}`);
  }

  /** Expires every pending hold past its expiry; how many it expired. */
  async expireDue(): Promise<number> {
    let expired = 0;
    for (;;) {
      const rows = await retryTransient(() =>
        this.database.run(EXPIRE_DUE_HOLDS, [EXPIRY_BATCH]),
      );
      expired += rows.length;
      if (rows.length < EXPIRY_BATCH) {
        break;
      }
    }
    if (expired > 0) {
      this.logger.log(`${expired} holds expired`);
    }
    return expired;
  }

  async find(
    holdId: number,
    runner: SqlRunner = this.database,
  ): Promise<HoldView> {
    const [row] = await runner.run<HoldRow>(FIND_HOLD, [holdId]);
    if (row === undefined) {
      throw new HoldNotFound(`unknown hold ${holdId}`);
    }
    return holdView(row);
  }

  /** A keyed hold placed before with the same request, as it stands now. */
  private async replay(claim: KeyClaim): Promise<PlacedHold> {
    await this.keys.assertSameRequest(claim);
    const [row] = await this.database.run<HoldRow>(FIND_HOLD_BY_KEY, [
      claim.key,
    ]);
    const view = holdView(row);
    const wallet = await this.directory.view(view.profileId);
    return {
      ...view,
      available: wallet.balance - wallet.held,
      replayed: true,
    };
  }

  /** Why a hold was not captured or released: unknown, ended, expired, or too little held. */
  private async whyNot(
    action: 'captured' | 'released' | 'expired',
    holdId: number,
    amount: number | null,
    runner?: SqlRunner,
  ): Promise<Error> {
    const hold = await this.find(holdId, runner);
    if (hold.status !== 'PENDING') {
      return new HoldState(
        `hold ${holdId} is ${hold.status.toLowerCase()}: it cannot be ${action}`,
      );
    }
    if (amount !== null && amount > hold.amount) {
      return new InvalidAmount(
        `hold ${holdId} holds ${hold.amount}: a capture takes at most that`,
      );
    }
    return new HoldState(
      action === 'expired'
        ? `hold ${holdId} expires at ${hold.expiresAt.toISOString()}: it cannot be expired before`
        : `hold ${holdId} expired at ${hold.expiresAt.toISOString()}: it cannot be ${action}`,
    );
  }

  /** On the pool a statement is its own transaction, retried; in a caller's, the caller retries. */
  private run<T>(
    runner: SqlRunner | undefined,
    statement: (target: SqlRunner) => Promise<T>,
  ): Promise<T> {
    return runner === undefined
      ? retryTransient(() => statement(this.database))
      : statement(runner);
  }
}

function holdView(row: HoldRow): HoldView {
  return {
    holdId: safeIntegerFromDatabase(row.id),
    walletId: safeIntegerFromDatabase(row.wallet_id),
    profileId: safeIntegerFromDatabase(row.profile_id),
    amount: safeIntegerFromDatabase(row.amount),
    reason: row.reason,
    status: row.status,
    expiresAt: row.expires_at,
    capturedAmount: safeIntegerOrNull(row.captured_amount),
    transactionId: safeIntegerOrNull(row.transaction_id),
    idempotencyKey: shownKey(row.idempotency_key, row.client_idempotency_key),
    meta: row.meta,
    createdAt: row.created_at,
    closedAt: row.closed_at,
  };
}
