import { Inject, Injectable, Logger } from '@nestjs/common';
import { PostgresErrorCode, postgresErrorOf } from '../database/postgres-error';
import { retryTransient } from '../database/transient-retry';
import {
  IdempotencyConflict,
  scopedLedgerKey,
  UnknownProfile,
  WalletService,
} from '../economy';
import { codeDigest, normalizedCode } from './promo-codes';
import { PROMO_SECRET } from './promo-secret';
import {
  InvalidPromoInput,
  PromoAlreadyRedeemed,
  PromoInvalid,
  PromoRateLimited,
} from './promo.errors';
import type { Redemption, RedemptionRequest } from './promo.types';
import {
  PromoRepository,
  type StoredRedemption,
} from './repositories/promo.repository';

/** Refused redemptions a profile may have in the window before it must wait. */
const REFUSALS = { allowed: 10, windowSeconds: 600 };

/**
 * Redemptions: a keyed credit (reason PROMO) and the campaign's count in one
 * statement, or nothing (its steps and their order: PromoRepository). A code
 * that grants nothing answers one refusal whatever the reason, and counts
 * against the profile's guessing limit.
 */
@Injectable()
export class RedemptionService {
  private readonly logger = new Logger(RedemptionService.name);

  constructor(
    private readonly repository: PromoRepository,
    private readonly wallets: WalletService,
    @Inject(PROMO_SECRET) private readonly secret: string,
  ) {}

  async redeem(request: RedemptionRequest): Promise<Redemption> {
    const digest = codeDigest(this.secret, normalizedCode(request.code));
    const { profileId } = request;
    if (!Number.isSafeInteger(profileId) || profileId <= 0) {
      throw new InvalidPromoInput('profileId must be a positive integer');
    }
    const key =
      request.idempotencyKey === undefined
        ? null
        : request.keyScope
          ? scopedLedgerKey(request.keyScope, request.idempotencyKey)
          : request.idempotencyKey;
    // What a replay must match: the profile and the code's keyed digest (a
    // plain hash of the request would let a dump's reader test guesses).
    const fingerprint = `${profileId}:${digest.toString('base64url')}`;
    try {
      const redeemed = await this.write({
        digest,
        profileId,
        key,
        fingerprint,
      });
      this.logger.log(
        `profile ${profileId} redeemed campaign ${redeemed.campaignId}: transaction ${redeemed.transactionId}`,
      );
      return redeemed;
    } catch (error) {
      const earlier = key === null ? null : await this.repository.byKey(key);
      if (earlier !== null) {
        return replayOf(earlier, fingerprint);
      }
      const refusal = refusalOf(error, profileId);
      if (
        refusal instanceof PromoInvalid ||
        refusal instanceof PromoAlreadyRedeemed
      ) {
        // The claim refuses a profile past the guessing limit too: which
        // was it? A 429 is not counted, or a player would never get out.
        const wait = await this.repository.refusalWait(
          profileId,
          REFUSALS.windowSeconds,
          REFUSALS.allowed,
        );
        if (wait !== null) {
          throw new PromoRateLimited(wait);
        }
        await this.repository.recordRefusal(profileId, REFUSALS.windowSeconds);
      }
      throw refusal;
    }
  }

  /**
   * The redemption's one statement, sent again when it could not complete:
   * once its wallet is made, or while another slot of the campaign has
   * room. A code that grants nothing is PromoInvalid.
   */
  private async write(redemption: {
    digest: Buffer;
    profileId: number;
    key: string | null;
    fingerprint: string;
  }): Promise<Redemption> {
    for (;;) {
      try {
        const written = await retryTransient(() =>
          this.repository.redeem(redemption, REFUSALS),
        );
        if (written === null) {
          throw new PromoInvalid();
        }
        return { ...written, replayed: false };
      } catch (error) {
        const { code, detail } = postgresErrorOf(error);
        if (code !== PostgresErrorCode.RedemptionIncomplete) {
          throw error;
        }
        if (detail === 'no-wallet') {
          await this.wallets.ensureWallet(redemption.profileId);
        }
      }
    }
  }
}

/** What the database's refusal of a redemption means to its caller. */
function refusalOf(error: unknown, profileId: number): unknown {
  const { code, constraint } = postgresErrorOf(error);
  if (code === PostgresErrorCode.UniqueViolation) {
    if (constraint === 'promo_redemptions_once') {
      return new PromoAlreadyRedeemed(
        `profile ${profileId} redeemed this campaign before`,
      );
    }
    if (constraint === 'promo_redemptions_single_use_code') {
      return new PromoInvalid();
    }
  }
  if (
    code === PostgresErrorCode.ForeignKeyViolation &&
    constraint === 'promo_redemptions_profile_id_fkey'
  ) {
    return new UnknownProfile(`unknown profile: ${profileId}`);
  }
  return error;
}

function replayOf(earlier: StoredRedemption, fingerprint: string): Redemption {
  if (earlier.requestFingerprint !== fingerprint) {
    throw new IdempotencyConflict(
      'idempotency key already used for another redemption',
    );
  }
  const { campaignId, profileId, coins, transactionId, balanceAfter } = earlier;
  return {
    campaignId,
    profileId,
    coins,
    transactionId,
    balanceAfter,
    replayed: true,
  };
}
