/** A redemption on its way to a batch: the code as its keyed digest. */
export interface PendingRedemption {
  digest: Buffer;
  profileId: number;
  /** The caller's key, scoped; null without one. */
  key: string | null;
  /** What a replay must match (see RedemptionService). */
  fingerprint: string;
}

/** Refused redemptions a profile may have in the window before it must wait. */
export interface GuessingLimit {
  allowed: number;
  windowSeconds: number;
}

export const GUESSING_LIMIT: GuessingLimit = {
  allowed: 10,
  windowSeconds: 600,
};
