import { Injectable, Logger } from '@nestjs/common';
import {
  SqlDatabase,
  preparedStatement,
  type SqlRunner,
} from '../../database/sql-database';
import { requireIdempotencyKey } from '../domain/movement-input';
import { IdempotencyConflict, InvalidRequest } from '../economy.errors';
import type { IdempotentOperation } from '../entities/idempotency-key.entity';
import { toLeg, type LegRow, type WrittenLeg } from '../movements/ledger-legs';
import { scopedLedgerKey, type KeyScope } from './scoped-key';

/** What a keyed movement claims: its key, and the request it stands for. */
export interface KeyClaim {
  /** The ledger's key: the caller's own, or scoped to the caller. */
  key: string;
  /** The key as the caller sent it, when `key` is scoped to the caller. */
  sentKey: string | null;
  operation: IdempotentOperation;
  request: Record<string, unknown>;
}

/** How a caller names its movement (see MovementOptions). */
export interface KeyOptions {
  idempotencyKey?: unknown;
  keyScope?: KeyScope;
  /**
   * A caller that compares more than the payload (the HTTP layer compares
   * whole request bodies) passes a digest of it: it is stored and compared
   * with the payload.
   */
  requestFingerprint?: unknown;
}

/** The claim a movement makes, or null for an unkeyed one. */
export function claimFor(
  options: KeyOptions,
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

const KEYED_OPERATION = preparedStatement(
  'economy_keyed_operation',
  `
SELECT k.operation, k.request, t.id, t.wallet_id, t.amount, t.balance_after
  FROM idempotency_keys k
  LEFT JOIN wallet_transactions t ON t.idempotency_key = k.key
 WHERE k.key = $1
 ORDER BY t.id`,
);

/** A claimed key, and what was done under it. */
interface KeyedOperation {
  operation: IdempotentOperation;
  request: Record<string, unknown>;
  legs: WrittenLeg[];
}

/** Keys already claimed: what they hold, and the replay of their movement. */
@Injectable()
export class KeyClaims {
  private readonly logger = new Logger(KeyClaims.name);

  constructor(private readonly database: SqlDatabase) {}

  /**
   * The legs an earlier movement wrote under this claim's key, provided it was
   * the same operation with the same payload; IdempotencyConflict otherwise.
   * A held key is committed (a claim waits for its holder to end), and keys
   * are never deleted: it is there.
   */
  async replay(claim: KeyClaim, runner?: SqlRunner): Promise<WrittenLeg[]> {
    const held = await this.assertSameRequest(claim, runner);
    this.logger.debug(
      `idempotent replay of transaction ${held.legs[0]?.transactionId}`,
    );
    return held.legs;
  }

  /**
   * What was claimed under `claim`'s key, which a statement found held: the
   * same request, or IdempotencyConflict.
   */
  async assertSameRequest(
    claim: KeyClaim,
    runner?: SqlRunner,
  ): Promise<KeyedOperation> {
    const held = await this.find(claim.key, runner);
    if (held === null) {
      throw new Error('idempotency key held, then not found');
    }
    compare(held, claim);
    return held;
  }

  /** IdempotencyConflict when `claim`'s key was used before for another request. */
  async refuseIfHeld(claim: KeyClaim | null): Promise<void> {
    const held = claim === null ? null : await this.find(claim.key);
    if (held !== null) {
      compare(held, claim!);
    }
  }

  private async find(
    key: string,
    runner: SqlRunner = this.database,
  ): Promise<KeyedOperation | null> {
    const rows = await runner.run<
      Partial<LegRow> & {
        operation: IdempotentOperation;
        request: Record<string, unknown>;
      }
    >(KEYED_OPERATION, [key]);
    if (rows.length === 0) {
      return null;
    }
    return {
      operation: rows[0].operation,
      request: rows[0].request,
      legs: rows
        .filter((row): row is LegRow & typeof row => row.id != null)
        .map(toLeg),
    };
  }
}

function compare(held: KeyedOperation, claim: KeyClaim): void {
  const keys = new Set([
    ...Object.keys(held.request),
    ...Object.keys(claim.request),
  ]);
  const same =
    held.operation === claim.operation &&
    [...keys].every(
      (key) => (held.request[key] ?? null) === (claim.request[key] ?? null),
    );
  if (!same) {
    throw new IdempotencyConflict(
      `idempotency key already used for another ${held.operation.toLowerCase()} request`,
    );
  }
}
