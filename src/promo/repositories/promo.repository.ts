import { Injectable } from '@nestjs/common';
import {
  safeIntegerFromDatabase,
  safeIntegerOrNull,
} from '../../common/safe-integer';
import { SqlDatabase, preparedStatement } from '../../database/sql-database';
import type { GuessingLimit, PendingRedemption } from '../pending-redemption';
import type { CampaignView, PaidRedemption } from '../promo.types';

/** Slots a campaign's count is spread over (fewer when its limit is lower). */
export const COUNT_SLOTS = 16;

const CAMPAIGN_COLUMNS = 'id, name, coins, max_redemptions, starts_at, ends_at';

// The campaign, its codes and its count's slots: the limit shared out, the
// first slots taking one more each until it is all given.
const ADD_CAMPAIGN = preparedStatement(
  'promo_add_campaign',
  `WITH campaign AS (
     INSERT INTO promo_campaigns (name, coins, max_redemptions, starts_at, ends_at)
     VALUES ($1, $2, $3, $4, $5)
     RETURNING ${CAMPAIGN_COLUMNS}
   ),
   codes AS (
     INSERT INTO promo_codes (digest, campaign_id, single_use)
     SELECT d, c.id, $7 FROM campaign c, unnest($6::bytea[]) AS d
   ),
   slots AS (
     INSERT INTO promo_campaign_slots (campaign_id, slot, quota)
     SELECT c.id, s, c.max_redemptions / $8 + (s < c.max_redemptions % $8)::int
       FROM campaign c, generate_series(0, $8 - 1) AS s
   )
   SELECT c.*, 0 AS redeemed FROM campaign c`,
);

const FIND_CAMPAIGN = preparedStatement(
  'promo_find_campaign',
  `SELECT c.id, c.name, c.coins, c.max_redemptions, c.starts_at, c.ends_at,
          (SELECT sum(s.redeemed) FROM promo_campaign_slots s
            WHERE s.campaign_id = c.id) AS redeemed
     FROM promo_campaigns c WHERE c.id = $1`,
);

// A batch of redemptions in one call and one transaction: each judged, the
// ones that may go written, each answered its own outcome (the function's
// migration, RedemptionBatches, holds its steps and locking argument).
const REDEEM_BATCH = preparedStatement(
  'promo_redeem_batch',
  `SELECT i, outcome, campaign_id, coins, transaction_id, balance_after
     FROM promo_redeem_batch($1::bytea[], $2::bigint[], $3::text[], $4::text[],
                             $5::boolean, $6::integer, $7::integer)`,
);

const BY_KEY = preparedStatement(
  'promo_redemption_by_key',
  `SELECT r.campaign_id, r.profile_id, r.coins, t.id AS transaction_id,
          t.balance_after, r.request_fingerprint
     FROM promo_redemptions r
     -- The ledger key promo_redeem_batch gives a redemption's credit.
     JOIN wallet_transactions t
       ON t.idempotency_key = 'promo:' || r.campaign_id || ':' || r.profile_id
      AND t.amount > 0
    WHERE r.idempotency_key = $1`,
);

const RECORD_REFUSAL = preparedStatement(
  'promo_record_refusal',
  `WITH pruned AS (
     DELETE FROM promo_refusals
      WHERE profile_id = $1 AND refused_at < now() - $2 * interval '1 second'
   )
   INSERT INTO promo_refusals (profile_id) VALUES ($1)`,
);

// Seconds until the profile's refusals in the window number fewer than the
// limit again; no row while they already do.
const REFUSAL_WAIT = preparedStatement(
  'promo_refusal_wait',
  `SELECT ceil(extract(epoch FROM refused_at + $2 * interval '1 second' - now()))::int AS wait
     FROM promo_refusals
    WHERE profile_id = $1 AND refused_at > now() - $2 * interval '1 second'
    ORDER BY refused_at DESC
   OFFSET $3 - 1 LIMIT 1`,
);

interface CampaignRow {
  id: string;
  name: string;
  coins: string;
  max_redemptions: string | null;
  redeemed: string | number | null;
  starts_at: Date | null;
  ends_at: Date | null;
}

export interface StoredRedemption extends PaidRedemption {
  requestFingerprint: string | null;
}

/** A redemption's outcome in its batch; what it paid when it was written. */
export interface BatchRedemptionRow {
  i: number;
  outcome: string;
  paid: PaidRedemption | null;
}

/** The promo module's SQL: campaigns, codes, redemptions, refusals. */
@Injectable()
export class PromoRepository {
  constructor(private readonly database: SqlDatabase) {}

  async addCampaign(
    campaign: {
      name: string;
      coins: number;
      maxRedemptions: number | null;
      startsAt: Date | null;
      endsAt: Date | null;
    },
    digests: Buffer[],
    singleUse: boolean,
  ): Promise<CampaignView> {
    const [row] = await this.database.run<CampaignRow>(ADD_CAMPAIGN, [
      campaign.name,
      campaign.coins,
      campaign.maxRedemptions,
      campaign.startsAt,
      campaign.endsAt,
      digests,
      singleUse,
      Math.min(COUNT_SLOTS, campaign.maxRedemptions ?? COUNT_SLOTS),
    ]);
    return campaignOf(row);
  }

  async findCampaign(id: number): Promise<CampaignView | null> {
    const [row] = await this.database.run<CampaignRow>(FIND_CAMPAIGN, [id]);
    return row === undefined ? null : campaignOf(row);
  }

  /**
   * The batch's redemptions in one transaction: each one's outcome, by its
   * index (`redeemed` with what it paid; see the function for the others).
   * A first call (`wait` false) skips rows other transactions hold.
   */
  async redeemBatch(
    redemptions: PendingRedemption[],
    wait: boolean,
    refusals: GuessingLimit,
  ): Promise<BatchRedemptionRow[]> {
    const rows = await this.database.run<{
      i: number;
      outcome: string;
      campaign_id: string | null;
      coins: string | null;
      transaction_id: string | null;
      balance_after: string | null;
    }>(REDEEM_BATCH, [
      redemptions.map(({ digest }) => digest),
      redemptions.map(({ profileId }) => profileId),
      redemptions.map(({ key }) => key),
      redemptions.map(({ fingerprint }) => fingerprint),
      wait,
      refusals.windowSeconds,
      refusals.allowed,
    ]);
    return rows.map((row) => ({
      i: row.i,
      outcome: row.outcome,
      paid:
        row.transaction_id === null
          ? null
          : {
              campaignId: safeIntegerFromDatabase(row.campaign_id!),
              profileId: redemptions[row.i].profileId,
              coins: safeIntegerFromDatabase(row.coins!),
              transactionId: safeIntegerFromDatabase(row.transaction_id),
              balanceAfter: safeIntegerFromDatabase(row.balance_after!),
            },
    }));
  }

  async byKey(key: string): Promise<StoredRedemption | null> {
    const [row] = await this.database.run<{
      campaign_id: string;
      profile_id: string;
      coins: string;
      transaction_id: string;
      balance_after: string;
      request_fingerprint: string | null;
    }>(BY_KEY, [key]);
    return row === undefined
      ? null
      : {
          campaignId: safeIntegerFromDatabase(row.campaign_id),
          profileId: safeIntegerFromDatabase(row.profile_id),
          coins: safeIntegerFromDatabase(row.coins),
          transactionId: safeIntegerFromDatabase(row.transaction_id),
          balanceAfter: safeIntegerFromDatabase(row.balance_after),
          requestFingerprint: row.request_fingerprint,
        };
  }

  async recordRefusal(profileId: number, windowSeconds: number): Promise<void> {
    await this.database.run(RECORD_REFUSAL, [profileId, windowSeconds]);
  }

  /** Seconds to wait, when the profile has `limit` refusals in the window; else null. */
  async refusalWait(
    profileId: number,
    windowSeconds: number,
    limit: number,
  ): Promise<number | null> {
    const [row] = await this.database.run<{ wait: number }>(REFUSAL_WAIT, [
      profileId,
      windowSeconds,
      limit,
    ]);
    return row === undefined ? null : Math.max(1, row.wait);
  }
}

function campaignOf(row: CampaignRow): CampaignView {
  return {
    id: safeIntegerFromDatabase(row.id),
    name: row.name,
    coins: safeIntegerFromDatabase(row.coins),
    maxRedemptions: safeIntegerOrNull(row.max_redemptions),
    redeemed: safeIntegerFromDatabase(row.redeemed ?? '0'),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
  };
}
