import { Injectable } from '@nestjs/common';
import {
  safeIntegerFromDatabase,
  safeIntegerOrNull,
} from '../../common/safe-integer';
import { SqlDatabase, preparedStatement } from '../../database/sql-database';
import { oneWalletSteps } from '../../economy';
import type { CampaignView } from '../promo.types';

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

/** The ledger key of a profile's redemption of a campaign. */
export const REDEMPTION_LEDGER_KEY = (campaignId: string, profileId: string) =>
  `'promo:' || ${campaignId} || ':' || ${profileId}`;

// A redemption in one statement, each step on the one before:
// 1. The claim, when the code grants coins now and the profile is not past
//    the guessing limit: unknown, spent (the unique index on single-use
//    digests), outside its window, exhausted (read without a lock here,
//    counted for certain in 3) or a limited profile claim nothing, and
//    nothing else happens. A second redemption of the campaign by the
//    profile waits on the unique (campaign, profile) for the first's
//    commit, then fails.
// 2. The credit, keyed promo:<campaign>:<profile>: the economy's one-wallet
//    steps, as a single credit takes them.
// 3. The count, in one of the campaign's slots: the profile's (its id
//    modulo the slots), or the next with room, so that a shared code's
//    redemptions spread over the slots' rows; each row is locked from here
//    to the commit only. Its quota is read again on the locked row.
// A claim whose credit found no wallet, or whose slot filled meanwhile,
// ends the statement (promo_redemption_incomplete), nothing written: the
// caller makes the wallet, or tries the next slot, and sends it again.
const REDEEM = preparedStatement(
  'promo_redeem',
  `WITH claimed AS (
     INSERT INTO promo_redemptions
       (campaign_id, profile_id, code_digest, single_use, coins, idempotency_key, request_fingerprint)
     SELECT c.id, $2, pc.digest, pc.single_use, c.coins, $3, $4
       FROM promo_codes pc JOIN promo_campaigns c ON c.id = pc.campaign_id
      WHERE pc.digest = $1
        AND (c.starts_at IS NULL OR c.starts_at <= now())
        AND (c.ends_at IS NULL OR c.ends_at > now())
        AND EXISTS (SELECT 1 FROM promo_campaign_slots s
                     WHERE s.campaign_id = c.id
                       AND (s.quota IS NULL OR s.redeemed < s.quota))
        AND (SELECT count(*) FROM promo_refusals r
              WHERE r.profile_id = $2
                AND r.refused_at > now() - $5 * interval '1 second') < $6
     RETURNING campaign_id, coins
   ),
   ${oneWalletSteps({
     profileId: '$2::bigint',
     amount: '(SELECT coins FROM claimed)',
     reason: "'PROMO'",
     key: REDEMPTION_LEDGER_KEY(
       '(SELECT campaign_id FROM claimed)',
       '$2::bigint',
     ),
     operation: "'CREDIT'",
     request:
       "jsonb_build_object('profileId', $2::bigint, 'amount', (SELECT coins FROM claimed), 'reason', 'PROMO')",
     meta: "jsonb_build_object('campaignId', (SELECT campaign_id FROM claimed))",
     sentKey: 'NULL',
     when: 'EXISTS (SELECT 1 FROM claimed)',
   })},
   slot AS (
     SELECT s.slot FROM promo_campaign_slots s
      WHERE s.campaign_id = (SELECT campaign_id FROM claimed)
        AND (s.quota IS NULL OR s.redeemed < s.quota)
      ORDER BY (s.slot + ${COUNT_SLOTS} - $2::bigint % ${COUNT_SLOTS}) % ${COUNT_SLOTS}
      LIMIT 1
   ),
   counted AS (
     UPDATE promo_campaign_slots s
        SET redeemed = s.redeemed + 1
       FROM slot
      WHERE s.campaign_id = (SELECT campaign_id FROM claimed) AND s.slot = slot.slot
        AND (s.quota IS NULL OR s.redeemed < s.quota)
        AND EXISTS (SELECT 1 FROM wallet_leg)
     RETURNING s.slot
   )
   SELECT c.campaign_id, c.coins, l.id AS transaction_id, l.balance_after,
          CASE WHEN l.id IS NULL THEN promo_redemption_incomplete('no-wallet')
               WHEN k.slot IS NULL THEN promo_redemption_incomplete('full')
               ELSE true END AS complete
     FROM claimed c LEFT JOIN wallet_leg l ON true LEFT JOIN counted k ON true`,
);

const BY_KEY = preparedStatement(
  'promo_redemption_by_key',
  `SELECT r.campaign_id, r.profile_id, r.coins, t.id AS transaction_id,
          t.balance_after, r.request_fingerprint
     FROM promo_redemptions r
     JOIN wallet_transactions t
       ON t.idempotency_key = ${REDEMPTION_LEDGER_KEY('r.campaign_id', 'r.profile_id')}
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

export interface StoredRedemption {
  campaignId: number;
  profileId: number;
  coins: number;
  transactionId: number;
  balanceAfter: number;
  requestFingerprint: string | null;
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
   * The redemption, written whole: what it paid; null when the code grants
   * nothing now (or the profile is past the guessing limit). Fails with
   * SQLSTATE PR001 (DETAIL `no-wallet` or `full`) when it could not be
   * completed, nothing written.
   */
  async redeem(
    redemption: {
      digest: Buffer;
      profileId: number;
      key: string | null;
      fingerprint: string;
    },
    refusals: { windowSeconds: number; allowed: number },
  ): Promise<Omit<StoredRedemption, 'requestFingerprint'> | null> {
    const [row] = await this.database.run<{
      campaign_id: string;
      coins: string;
      transaction_id: string;
      balance_after: string;
    }>(REDEEM, [
      redemption.digest,
      redemption.profileId,
      redemption.key,
      redemption.fingerprint,
      refusals.windowSeconds,
      refusals.allowed,
    ]);
    return row === undefined
      ? null
      : {
          campaignId: safeIntegerFromDatabase(row.campaign_id),
          profileId: redemption.profileId,
          coins: safeIntegerFromDatabase(row.coins),
          transactionId: safeIntegerFromDatabase(row.transaction_id),
          balanceAfter: safeIntegerFromDatabase(row.balance_after),
        };
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
