import { Injectable, Logger } from '@nestjs/common';
import type { LedgerReason } from './domain/ledger-reason';
import {
  requireAmount,
  requireIdempotencyKey,
  requireInteger,
  requireMeta,
  requireMovementReason,
  requireOptionalReason,
  requireProfileId,
  type Meta,
  type ProfileRef,
} from './domain/movement-input';
import { safeIntegerFromDatabase } from './domain/safe-integer';
import type { IdempotentOperation } from './entities/idempotency-key.entity';
import {
  IdempotencyConflict,
  InsufficientFunds,
  InvalidRequest,
  InvalidWallet,
} from './errors/economy.errors';
import { LedgerWriter, type KeyClaim, type WrittenLeg } from './ledger-writer';
import {
  LedgerDatabase,
  preparedStatement,
  type SqlRunner,
} from './persistence/ledger-database';
import { domainErrorFromPostgres } from './persistence/postgres-error';
import { retryTransient } from './persistence/transient-retry';
import { WalletDirectory } from './wallet-directory';
import type {
  HistoryEntry,
  HistoryPage,
  KeyedCredit,
  MovementOptions,
  MovementResult,
  Outcome,
  TransferOptions,
  TransferResult,
  WalletView,
} from './wallet.types';

const MAX_HISTORY_LIMIT = 1000;
const DEFAULT_HISTORY_LIMIT = 50;

interface WalletRow {
  id: string;
  cached_balance: string;
  allow_overdraft: boolean;
}

const WALLET_OF_PROFILE = preparedStatement(
  'wallet_of_profile',
  'SELECT id, cached_balance, allow_overdraft FROM wallets WHERE profile_id = $1',
);

const SET_OVERDRAFT = preparedStatement(
  'set_overdraft',
  `UPDATE wallets SET allow_overdraft = $2, updated_at = now()
    WHERE id = $1 AND profile_id = $3
    RETURNING id, cached_balance, allow_overdraft`,
);

const HISTORY_COLUMNS =
  'id, amount, balance_after, reason, created_at, idempotency_key, meta';

// Both pages walk wallet_transactions_wallet_id_id_idx backwards; the keyset
// form costs the same at any depth, the offset form grows with the offset.
// A cached wallet id that names another profile's wallet (after a database
// restore) reads nothing: the check runs once per page, not per row.
const OWN_WALLET =
  'EXISTS (SELECT 1 FROM wallets w WHERE w.id = $1 AND w.profile_id = $4)';

const HISTORY_BEFORE_CURSOR = preparedStatement(
  'history_before_cursor',
  `SELECT ${HISTORY_COLUMNS} FROM wallet_transactions
    WHERE wallet_id = $1 AND id < $2 AND ${OWN_WALLET}
    ORDER BY id DESC LIMIT $3`,
);

const HISTORY_AT_OFFSET = preparedStatement(
  'history_at_offset',
  `SELECT ${HISTORY_COLUMNS} FROM wallet_transactions
    WHERE wallet_id = $1 AND ${OWN_WALLET}
    ORDER BY id DESC LIMIT $2 OFFSET $3`,
);

interface HistoryRow {
  id: string;
  amount: string;
  balance_after: string;
  reason: LedgerReason;
  created_at: Date;
  idempotency_key: string | null;
  meta: Record<string, unknown>;
}

/**
 * Credits, debits and transfers DeltaCoins. Every argument is validated before
 * anything is written; every movement is one database transaction (see
 * LedgerWriter for the locking argument).
 */
@Injectable()
export class WalletService {
  private readonly logger = new Logger(WalletService.name);

  constructor(
    private readonly database: LedgerDatabase,
    private readonly directory: WalletDirectory,
    private readonly writer: LedgerWriter,
  ) {}

  async credit(
    profile: ProfileRef,
    amount: number,
    options: MovementOptions,
  ): Promise<MovementResult> {
    return (await this.applyCredit(profile, amount, options)).result;
  }

  async debit(
    profile: ProfileRef,
    amount: number,
    options: MovementOptions,
  ): Promise<MovementResult> {
    return (await this.applyDebit(profile, amount, options)).result;
  }

  async transfer(
    fromProfile: ProfileRef,
    toProfile: ProfileRef,
    amount: number,
    options: TransferOptions = {},
  ): Promise<TransferResult> {
    return (await this.applyTransfer(fromProfile, toProfile, amount, options))
      .result;
  }

  /** The profile's wallet id, creating an empty wallet if it has none. */
  async ensureWallet(profile: ProfileRef): Promise<number> {
    return this.directory.ensureWalletId(requireProfileId(profile));
  }

  /** `ensureWallet` for many profiles at once, in their order. */
  async ensureWallets(profiles: ProfileRef[]): Promise<number[]> {
    return this.directory.ensureWalletIds(profiles.map(requireProfileId));
  }

  /**
   * Keyed credits of several wallets in one transaction, all or none, then
   * `andThen` in the same transaction (to record what they paid for). Each
   * credit replays like `credit` when its key was used before with the same
   * payload. All keys are claimed first, then all wallets locked in one
   * ascending pass (see LedgerWriter.creditMany).
   */
  async creditAll<T>(
    credits: KeyedCredit[],
    andThen: (
      results: Outcome<MovementResult>[],
      transaction: SqlRunner,
    ) => Promise<T>,
  ): Promise<T> {
    const inputs = credits.map((credit) => {
      const profileId = requireProfileId(credit.profileId);
      if (
        credit.idempotencyKey === undefined ||
        credit.idempotencyKey === null
      ) {
        throw new InvalidRequest(
          'every credit of a batch needs an idempotency key',
        );
      }
      return {
        profileId,
        ...this.movementInput('CREDIT', profileId, credit.amount, credit),
      };
    });
    // One key names one movement: a key twice in a batch would pay twice.
    if (new Set(inputs.map((input) => input.claim!.key)).size < inputs.length) {
      throw new InvalidRequest(
        'every credit of a batch needs an idempotency key of its own',
      );
    }
    const walletIds = await this.directory.ensureWalletIds(
      inputs.map((input) => input.profileId),
    );
    return retryTransient(() =>
      this.database.transaction(async (transaction) => {
        const written = await this.writer.creditMany(
          inputs.map((input, index) => ({
            walletId: walletIds[index],
            profileId: input.profileId,
            amount: input.amount,
            reason: input.reason,
            meta: input.meta,
            claim: input.claim!,
          })),
          transaction,
        );
        const results: Outcome<MovementResult>[] = [];
        for (const { profileId, claim } of inputs) {
          const leg = written.get(claim!.key);
          results.push(
            leg !== undefined
              ? { result: movementResult(leg, claim), replayed: false }
              : {
                  result: movementResult(
                    (await this.replay([profileId], claim, transaction))[0],
                    claim,
                  ),
                  replayed: true,
                },
          );
        }
        return andThen(results, transaction);
      }),
    );
  }

  /** `credit`, saying also whether the result is a replay of a keyed call. */
  async applyCredit(
    profile: ProfileRef,
    amount: number,
    options: MovementOptions,
  ): Promise<Outcome<MovementResult>> {
    const profileId = requireProfileId(profile);
    const input = this.movementInput('CREDIT', profileId, amount, options);
    const walletId = await this.directory.findWalletId(profileId);
    const leg = await this.intoWallet(profileId, walletId, (id, runner) =>
      this.writer.moveOneWallet(
        { walletId: id, profileId },
        input.amount,
        input.reason,
        input.meta,
        input.claim,
        runner,
      ),
    );
    return this.settleMovement([profileId], leg, input.claim);
  }

  async applyDebit(
    profile: ProfileRef,
    amount: number,
    options: MovementOptions,
  ): Promise<Outcome<MovementResult>> {
    const profileId = requireProfileId(profile);
    const input = this.movementInput('DEBIT', profileId, amount, options);
    const walletId = await this.directory.findWalletId(profileId);
    if (walletId === null) {
      await this.directory.assertProfileExists(profileId);
      await this.rejectHeldKey(input.claim);
      throw new InsufficientFunds(
        `insufficient funds: profile ${profileId} has no wallet`,
      );
    }
    const leg = await this.writer.moveOneWallet(
      { walletId, profileId },
      -input.amount,
      input.reason,
      input.meta,
      input.claim,
    );
    return this.settleMovement([profileId], leg, input.claim);
  }

  async applyTransfer(
    fromProfile: ProfileRef,
    toProfile: ProfileRef,
    amount: number,
    options: TransferOptions = {},
  ): Promise<Outcome<TransferResult>> {
    const fromProfileId = requireProfileId(fromProfile);
    const toProfileId = requireProfileId(toProfile);
    const checkedAmount = requireAmount(amount);
    const reason = requireOptionalReason(options.reason);
    const meta = requireMeta(options.meta);
    const claim = this.claimFor(options, 'TRANSFER', {
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
    const fromWalletId = await this.directory.findWalletId(fromProfileId);
    if (fromWalletId === null) {
      await this.directory.assertProfileExists(fromProfileId);
      await this.directory.assertProfileExists(toProfileId);
      await this.rejectHeldKey(claim);
      throw new InsufficientFunds(
        `insufficient funds: profile ${fromProfileId} has no wallet`,
      );
    }
    const toWalletId = await this.directory.findWalletId(toProfileId);
    const legs = await this.intoWallet(toProfileId, toWalletId, (id, runner) =>
      this.writer.transfer(
        { walletId: fromWalletId, profileId: fromProfileId },
        { walletId: id, profileId: toProfileId },
        checkedAmount,
        transferMeta(meta, reason),
        claim,
        runner,
      ),
    );
    if (legs !== null) {
      this.logger.debug(
        `transfer wallet ${fromWalletId} -> wallet ${legs[1].walletId}: transactions ${legs[0].transactionId}, ${legs[1].transactionId}`,
      );
      return { result: transferResult(legs, claim), replayed: false };
    }
    return {
      result: transferResult(
        await this.replay([fromProfileId, toProfileId], claim),
        claim,
      ),
      replayed: true,
    };
  }

  async getBalance(profile: ProfileRef): Promise<number> {
    return (await this.getWallet(profile)).balance;
  }

  /** The profile's wallet; `walletId` null and balance 0 while it has none. */
  async getWallet(profile: ProfileRef): Promise<WalletView> {
    const profileId = requireProfileId(profile);
    const rows = await this.database.run<WalletRow>(WALLET_OF_PROFILE, [
      profileId,
    ]);
    if (rows.length === 0) {
      await this.directory.assertProfileExists(profileId);
      return { profileId, walletId: null, balance: 0, allowOverdraft: false };
    }
    return walletView(profileId, rows[0]);
  }

  /**
   * Newest first. `cursor` is the id of the last entry already seen: keyset
   * pagination that walks the (wallet_id, id) index at any depth.
   */
  async getTransactionHistory(
    profile: ProfileRef,
    page: HistoryPage = {},
  ): Promise<HistoryEntry[]> {
    const profileId = requireProfileId(profile);
    const limit = requireInteger(
      'limit',
      page.limit ?? DEFAULT_HISTORY_LIMIT,
      1,
      MAX_HISTORY_LIMIT,
    );
    const walletId = await this.directory.findWalletId(profileId);
    if (walletId === null) {
      await this.directory.assertProfileExists(profileId);
      return [];
    }
    const rows =
      page.cursor !== undefined
        ? await this.database.run<HistoryRow>(HISTORY_BEFORE_CURSOR, [
            walletId,
            requireInteger('cursor', page.cursor, 1, Number.MAX_SAFE_INTEGER),
            limit,
            profileId,
          ])
        : await this.database.run<HistoryRow>(HISTORY_AT_OFFSET, [
            walletId,
            limit,
            requireInteger(
              'offset',
              page.offset ?? 0,
              0,
              Number.MAX_SAFE_INTEGER,
            ),
            profileId,
          ]);
    return rows.map(historyEntry);
  }

  async setOverdraft(
    profile: ProfileRef,
    allowed: boolean,
  ): Promise<WalletView> {
    const profileId = requireProfileId(profile);
    if (typeof allowed !== 'boolean') {
      throw new InvalidRequest('allowed must be a boolean');
    }
    const walletId = await this.directory.ensureWalletId(profileId);
    let rows: WalletRow[];
    try {
      rows = await this.database.run<WalletRow>(SET_OVERDRAFT, [
        walletId,
        allowed,
        profileId,
      ]);
    } catch (error) {
      throw domainErrorFromPostgres(
        error,
        `wallet ${walletId} is overdrawn and keeps its overdraft until the balance is back to zero`,
      );
    }
    if (rows.length === 0) {
      throw this.staleWallet([profileId]);
    }
    this.logger.log(
      `wallet ${walletId}: overdraft ${allowed ? 'allowed' : 'disallowed'}`,
    );
    return walletView(profileId, rows[0]);
  }

  private movementInput(
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
      claim: this.claimFor(options, operation, {
        profileId,
        amount: checkedAmount,
        reason,
      }),
    };
  }

  /**
   * Runs `move` on the profile's wallet. A profile without one gets it in the
   * same transaction as the movement, so that a refused movement (no funds,
   * a held key) leaves no wallet behind.
   */
  private async intoWallet<T>(
    profileId: number,
    walletId: number | null,
    move: (walletId: number, runner?: SqlRunner) => Promise<T | null>,
  ): Promise<T | null> {
    if (walletId !== null) {
      return move(walletId);
    }
    const outcome = await retryTransient(() =>
      this.database.transaction(
        async (transaction) => {
          const createdId = await this.directory.createWallet(
            profileId,
            transaction,
          );
          return { createdId, moved: await move(createdId, transaction) };
        },
        ({ moved }) => moved !== null,
      ),
    );
    if (outcome.moved !== null) {
      this.directory.rememberWallet(profileId, outcome.createdId);
    }
    return outcome.moved;
  }

  private async settleMovement(
    profileIds: number[],
    leg: WrittenLeg | null,
    claim: KeyClaim | null,
  ): Promise<Outcome<MovementResult>> {
    if (leg !== null) {
      this.logger.debug(
        `wallet ${leg.walletId} moved ${leg.amount}: transaction ${leg.transactionId}`,
      );
      return { result: movementResult(leg, claim), replayed: false };
    }
    const [replayed] = await this.replay(profileIds, claim);
    return { result: movementResult(replayed, claim), replayed: true };
  }

  /**
   * A caller that compares more than the payload (the HTTP layer compares
   * whole request bodies) passes a fingerprint of it: it is stored and
   * compared with the payload.
   */
  private claimFor(
    options: { idempotencyKey?: unknown; requestFingerprint?: unknown },
    operation: IdempotentOperation,
    request: Record<string, unknown>,
  ): KeyClaim | null {
    const key = requireIdempotencyKey(options.idempotencyKey);
    if (key === null) {
      return null;
    }
    const fingerprint = options.requestFingerprint;
    if (fingerprint === undefined) {
      return { key, operation, request };
    }
    if (typeof fingerprint !== 'string' || fingerprint.length > 128) {
      throw new InvalidRequest('request fingerprint must be a short string');
    }
    return { key, operation, request: { ...request, fingerprint } };
  }

  /**
   * The legs an earlier movement wrote under this claim's key, provided it was
   * the same operation with the same payload; IdempotencyConflict otherwise.
   */
  private async replay(
    profileIds: number[],
    claim: KeyClaim | null,
    runner?: SqlRunner,
  ): Promise<WrittenLeg[]> {
    const held =
      claim === null
        ? null
        : await this.writer.findKeyedOperation(claim.key, runner);
    if (claim === null || held === null) {
      // Nothing written and no key held: a cached wallet id the database
      // does not know, or knows as another profile's.
      throw this.staleWallet(profileIds);
    }
    if (
      held.operation !== claim.operation ||
      !sameRequest(held.request, claim.request)
    ) {
      throw new IdempotencyConflict(
        `idempotency key already used for another ${held.operation.toLowerCase()} request`,
      );
    }
    this.logger.debug(
      `idempotent replay of transaction ${held.legs[0]?.transactionId}`,
    );
    return held.legs;
  }

  /**
   * A cached wallet id the database does not know, or knows as another
   * profile's (it was restored, say): forgotten, so that a retry looks the
   * wallet up again.
   */
  private staleWallet(profileIds: number[]): InvalidWallet {
    profileIds.forEach((id) => this.directory.forgetWallet(id));
    return new InvalidWallet(
      `the cached wallet of profile ${profileIds.join(' or ')} does not match the database; look it up again`,
    );
  }

  /** A movement refused before writing may still reuse a key: that is a conflict. */
  private async rejectHeldKey(claim: KeyClaim | null): Promise<void> {
    if (
      claim !== null &&
      (await this.writer.findKeyedOperation(claim.key)) !== null
    ) {
      await this.replay([], claim);
    }
  }
}

/** The transfer's reason rides in both legs' meta; a caller cannot forge it. */
function transferMeta(meta: Meta, reason: LedgerReason | null): Meta {
  const rest = { ...meta };
  delete rest.transferReason;
  return reason === null ? rest : { ...rest, transferReason: reason };
}

function sameRequest(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => (a[key] ?? null) === (b[key] ?? null));
}

function movementResult(
  leg: WrittenLeg,
  claim: KeyClaim | null,
): MovementResult {
  return {
    walletId: leg.walletId,
    balanceAfter: leg.balanceAfter,
    transactionId: leg.transactionId,
    idempotencyKey: claim?.key ?? null,
  };
}

function transferResult(
  legs: WrittenLeg[],
  claim: KeyClaim | null,
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
    idempotencyKey: claim?.key ?? null,
  };
}

function walletView(profileId: number, row: WalletRow): WalletView {
  return {
    profileId,
    walletId: safeIntegerFromDatabase(row.id),
    balance: safeIntegerFromDatabase(row.cached_balance),
    allowOverdraft: row.allow_overdraft,
  };
}

function historyEntry(row: HistoryRow): HistoryEntry {
  return {
    id: safeIntegerFromDatabase(row.id),
    amount: safeIntegerFromDatabase(row.amount),
    balanceAfter: safeIntegerFromDatabase(row.balance_after),
    reason: row.reason,
    createdAt: row.created_at,
    idempotencyKey: row.idempotency_key,
    meta: row.meta,
  };
}
