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
import { scopedLedgerKey, shownKey, type KeyScope } from './domain/scoped-key';
import type { IdempotentOperation } from './entities/idempotency-key.entity';
import {
  IdempotencyConflict,
  InsufficientFunds,
  InvalidRequest,
  InvalidWallet,
} from './errors/economy.errors';
import {
  LedgerWriter,
  type KeyClaim,
  type Written,
  type WrittenLeg,
} from './ledger-writer';
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
    WHERE profile_id = $1
    RETURNING id, cached_balance, allow_overdraft`,
);

const HISTORY_COLUMNS =
  'id, amount, balance_after, reason, created_at, idempotency_key, client_idempotency_key, meta';

// Both pages walk wallet_transactions_wallet_id_id_idx backwards; the keyset
// form costs the same at any depth, the offset form grows with the offset.
const PROFILE_WALLET = '(SELECT id FROM wallets WHERE profile_id = $1)';

const HISTORY_BEFORE_CURSOR = preparedStatement(
  'history_before_cursor',
  `SELECT ${HISTORY_COLUMNS} FROM wallet_transactions
    WHERE wallet_id = ${PROFILE_WALLET} AND id < $2
    ORDER BY id DESC LIMIT $3`,
);

const HISTORY_AT_OFFSET = preparedStatement(
  'history_at_offset',
  `SELECT ${HISTORY_COLUMNS} FROM wallet_transactions
    WHERE wallet_id = ${PROFILE_WALLET}
    ORDER BY id DESC LIMIT $2 OFFSET $3`,
);

interface HistoryRow {
  id: string;
  amount: string;
  balance_after: string;
  reason: LedgerReason;
  created_at: Date;
  idempotency_key: string | null;
  client_idempotency_key: string | null;
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
    andThen: (results: MovementResult[], transaction: SqlRunner) => Promise<T>,
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
            amount: input.amount,
            reason: input.reason,
            meta: input.meta,
            claim: input.claim!,
          })),
          transaction,
        );
        const results: MovementResult[] = [];
        for (const { claim } of inputs) {
          const leg = written.get(claim!.key);
          results.push(
            leg !== undefined
              ? movementResult(leg, claim, false)
              : movementResult(
                  (await this.replay(claim!, transaction))[0],
                  claim,
                  true,
                ),
          );
        }
        return andThen(results, transaction);
      }),
    );
  }

  /**
   * Credits the profile's wallet, creating it on a first credit. A keyed call
   * made before with the same request replays its result (`replayed`).
   */
  async credit(
    profile: ProfileRef,
    amount: number,
    options: MovementOptions,
  ): Promise<MovementResult> {
    const profileId = requireProfileId(profile);
    const input = this.movementInput('CREDIT', profileId, amount, options);
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
    return this.settleMovement(
      written.outcome === 'no-wallet'
        ? await this.withNewWallet(profileId, move)
        : written,
      input.claim,
    );
  }

  /** Debits the profile's wallet; within its balance unless it allows overdraft. */
  async debit(
    profile: ProfileRef,
    amount: number,
    options: MovementOptions,
  ): Promise<MovementResult> {
    const profileId = requireProfileId(profile);
    const input = this.movementInput('DEBIT', profileId, amount, options);
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
    return this.settleMovement(written, input.claim);
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
    const move = (runner?: SqlRunner) =>
      this.writer.transfer(
        fromProfileId,
        toProfileId,
        checkedAmount,
        transferMeta(meta, reason),
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
    if (written.outcome === 'written') {
      const [debit, credit] = written.legs;
      this.logger.debug(
        `transfer wallet ${debit.walletId} -> wallet ${credit.walletId}: transactions ${debit.transactionId}, ${credit.transactionId}`,
      );
      return transferResult(written.legs, claim, false);
    }
    return transferResult(await this.replay(claim!), claim, true);
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
    const rows =
      page.cursor !== undefined
        ? await this.database.run<HistoryRow>(HISTORY_BEFORE_CURSOR, [
            profileId,
            requireInteger('cursor', page.cursor, 1, Number.MAX_SAFE_INTEGER),
            limit,
          ])
        : await this.database.run<HistoryRow>(HISTORY_AT_OFFSET, [
            profileId,
            limit,
            requireInteger(
              'offset',
              page.offset ?? 0,
              0,
              Number.MAX_SAFE_INTEGER,
            ),
          ]);
    if (rows.length === 0) {
      await this.directory.assertProfileExists(profileId);
    }
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
        profileId,
        allowed,
      ]);
    } catch (error) {
      throw domainErrorFromPostgres(
        error,
        `wallet ${walletId} is overdrawn and keeps its overdraft until the balance is back to zero`,
      );
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

  private async settleMovement(
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
    const [replayed] = await this.replay(claim);
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
    if (claim !== null && (await this.writer.findKeyedOperation(claim.key))) {
      await this.replay(claim);
    }
    return new InsufficientFunds(
      `insufficient funds: profile ${payer} has no wallet`,
    );
  }

  /**
   * A caller that compares more than the payload (the HTTP layer compares
   * whole request bodies) passes a fingerprint of it: it is stored and
   * compared with the payload.
   */
  private claimFor(
    options: {
      idempotencyKey?: unknown;
      keyScope?: KeyScope;
      requestFingerprint?: unknown;
    },
    operation: IdempotentOperation,
    request: Record<string, unknown>,
  ): KeyClaim | null {
    const sent = requireIdempotencyKey(options.idempotencyKey);
    if (sent === null) {
      return null;
    }
    const claim = {
      key: options.keyScope ? scopedLedgerKey(options.keyScope, sent) : sent,
      sentKey: options.keyScope ? sent : null,
      operation,
    };
    const fingerprint = options.requestFingerprint;
    if (fingerprint === undefined) {
      return { ...claim, request };
    }
    if (typeof fingerprint !== 'string' || fingerprint.length > 128) {
      throw new InvalidRequest('request fingerprint must be a short string');
    }
    return { ...claim, request: { ...request, fingerprint } };
  }

  /**
   * The legs an earlier movement wrote under this claim's key, provided it was
   * the same operation with the same payload; IdempotencyConflict otherwise.
   * A held key is committed (a claim waits for its holder to end), and keys
   * are never deleted: it is there.
   */
  private async replay(
    claim: KeyClaim,
    runner?: SqlRunner,
  ): Promise<WrittenLeg[]> {
    const held = await this.writer.findKeyedOperation(claim.key, runner);
    if (held === null) {
      throw new Error(`idempotency key held, then not found`);
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

function transferResult(
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
    idempotencyKey: shownKey(row.idempotency_key, row.client_idempotency_key),
    meta: row.meta,
  };
}
