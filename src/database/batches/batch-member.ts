/** An item of a batch, and how its caller is answered. */
export interface BatchMember<TItem, TValue> {
  item: TItem;
  /** Settles the caller's promise (once; later calls do nothing). */
  answer: (outcome: { value: TValue } | { error: Error }) => void;
  answered: boolean;
}

/** Writes a batch and answers every member (see settleInRounds). */
export interface BatchSettler<TItem, TValue> {
  settle(
    batch: BatchMember<TItem, TValue>[],
    firstCallDone: () => void,
  ): Promise<void>;
}
