import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  IdempotencyConflict,
  scopedLedgerKey,
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
import { GUESSING_LIMIT, type PendingRedemption } from './pending-redemption';
import type {
  PaidRedemption,
  Redemption,
  RedemptionRequest,
} from './promo.types';
import { RedemptionCoalescer } from './redemption-coalescer';
import {
  PromoRepository,
  type StoredRedemption,
} from './repositories/promo.repository';

/**
 * Redemptions: a keyed credit (reason PROMO) and the campaign's count in one
 * transaction, or nothing, written in batches (RedemptionCoalescer; the
 * steps and their order: the RedemptionBatches migration). A code that
 * grants nothing answers one refusal whatever the reason, and counts
 * against the profile's guessing limit.
 */
@Injectable()
export class RedemptionService {
  private readonly logger = new Logger(RedemptionService.name);

  constructor(
    private readonly repository: PromoRepository,
    private readonly coalescer: RedemptionCoalescer,
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
      return { ...redeemed, replayed: false };
    } catch (error) {
      // A keyed request sent again after its campaign ended (or filled)
      // still replays what it did.
      const earlier = key === null ? null : await this.repository.byKey(key);
      if (earlier !== null) {
        return replayOf(earlier, fingerprint);
      }
      if (
        error instanceof PromoInvalid ||
        error instanceof PromoAlreadyRedeemed
      ) {
        // The batch refuses a profile past the guessing limit too: which
        // was it? A 429 is not counted, or a player would never get out.
        const wait = await this.repository.refusalWait(
          profileId,
          GUESSING_LIMIT.windowSeconds,
          GUESSING_LIMIT.allowed,
        );
        if (wait !== null) {
          throw new PromoRateLimited(wait);
        }
        await this.repository.recordRefusal(
          profileId,
          GUESSING_LIMIT.windowSeconds,
        );
      }
      throw error;
    }
  }

  /**
   * The redemption through its batch, sent again once its wallet is made;
   * a used key answers as the redemption it was used for (`redeem` replays
   * it).
   */
  private async write(redemption: PendingRedemption): Promise<PaidRedemption> {
    for (;;) {
      const done = await this.coalescer.redeem(redemption);
      if (done.outcome === 'redeemed') {
        return done.paid;
      }
      if (done.outcome === 'key-held') {
        throw new IdempotencyConflict(
          'idempotency key already used for a redemption',
        );
      }
      await this.wallets.ensureWallet(redemption.profileId);
    }
  }
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
