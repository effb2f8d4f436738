import { Injectable } from '@nestjs/common';
import type { BatchMember } from '../database/batches/batch-member';
import {
  roundsAfterFailure,
  settleInRounds,
  waitingFor,
  type Round,
} from '../database/batches/batch-rounds';
import { retryTransient } from '../database/transient-retry';
import { economyErrorFromPostgres, walletCheckRefusal } from '../economy';
import { PromoAlreadyRedeemed, PromoInvalid } from './promo.errors';
import { GUESSING_LIMIT, type PendingRedemption } from './pending-redemption';
import type { PaidRedemption } from './promo.types';
import { PromoRepository } from './repositories/promo.repository';

/** What a redemption's batch did with it (a refusal is thrown instead). */
export type BatchRedemptionOutcome =
  | { outcome: 'redeemed'; paid: PaidRedemption }
  /** The caller's key was used before: the caller replays. */
  | { outcome: 'key-held' }
  /** The profile has no wallet yet: the caller makes it and sends again. */
  | { outcome: 'no-wallet' };

export type RedemptionMember = BatchMember<
  PendingRedemption,
  BatchRedemptionOutcome
>;

/**
 * Writes a batch of redemptions the coalescer took, with one call of
 * promo_redeem_batch (and more only when some must go again), and answers
 * each its own outcome (settleInRounds).
 */
@Injectable()
export class RedemptionBatchWriter {
  constructor(private readonly repository: PromoRepository) {}

  settle(batch: RedemptionMember[], firstCallDone: () => void): Promise<void> {
    return settleInRounds(batch, firstCallDone, (round) => this.write(round));
  }

  private async write({
    members,
    wait,
  }: Round<RedemptionMember>): Promise<Round<RedemptionMember>[]> {
    let rows;
    try {
      rows = await retryTransient(() =>
        this.repository.redeemBatch(
          members.map(({ item }) => item),
          wait,
          GUESSING_LIMIT,
        ),
      );
    } catch (error) {
      return roundsAfterFailure(members, error, ({ item }) =>
        economyErrorFromPostgres(error, `profile ${item.profileId}`),
      );
    }
    // Skipped on a locked wallet, or on a count slot another batch holds:
    // each kind waits in a call of its own, so that a wallet locked for long
    // holds back only the redemptions on it.
    const skipped: RedemptionMember[] = [];
    const slotBusy: RedemptionMember[] = [];
    for (const { i, outcome, paid } of rows) {
      const member = members[i];
      if (outcome === 'redeemed') {
        member.answer({ value: { outcome, paid: paid! } });
      } else if (outcome === 'key-held' || outcome === 'no-wallet') {
        member.answer({ value: { outcome } });
      } else if (outcome === 'skipped') {
        skipped.push(member);
      } else if (outcome === 'skipped-slot') {
        slotBusy.push(member);
      } else {
        member.answer({ error: refusalOf(outcome, member.item) });
      }
    }
    return [...waitingFor(slotBusy), ...waitingFor(skipped)];
  }
}

function refusalOf(outcome: string, { profileId }: PendingRedemption): Error {
  switch (outcome) {
    case 'invalid':
      return new PromoInvalid();
    case 'already-redeemed':
      return new PromoAlreadyRedeemed(
        `profile ${profileId} redeemed this campaign before`,
      );
    default:
      return (
        walletCheckRefusal(outcome, `profile ${profileId}`) ??
        new Error(`a batch answered ${outcome} for a redemption`)
      );
  }
}
