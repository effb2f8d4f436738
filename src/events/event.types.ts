/** One change to coins, as the feed hands it out. */
export interface FeedEvent {
  id: number;
  /**
   * wallet.credited, wallet.debited, transfer.completed, payout.paid,
   * hold.placed|captured|released|expired,
   * purchase.created|completed|cancelled|expired|refunded.
   */
  type: string;
  occurredAt: Date;
  profileId: number | null;
  walletId: number | null;
  /** Whole coins moved, held or paid: always positive. */
  amount: number | null;
  data: Record<string, unknown>;
}

/** A page of the feed and where the next one starts: never null. */
export interface FeedPage {
  items: FeedEvent[];
  nextCursor: string;
}
