import type { KeyScope } from '../economy';

export interface CampaignView {
  id: number;
  name: string;
  coins: number;
  /** null: unlimited. */
  maxRedemptions: number | null;
  redeemed: number;
  startsAt: Date | null;
  endsAt: Date | null;
}

/** What an admin asks for: one shared code, or `generate` single-use codes. */
export interface NewCampaign {
  name: string;
  coins: number;
  maxRedemptions?: number | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
  code?: string;
  generate?: number;
}

/** A campaign just made; its codes, in plain text this once. */
export interface CreatedCampaign extends CampaignView {
  codes: string[];
}

export interface RedemptionRequest {
  code: string;
  profileId: number;
  idempotencyKey?: string;
  keyScope?: KeyScope;
}

/** What a redemption paid. */
export interface PaidRedemption {
  campaignId: number;
  profileId: number;
  coins: number;
  transactionId: number;
  balanceAfter: number;
}

export interface Redemption extends PaidRedemption {
  replayed: boolean;
}
