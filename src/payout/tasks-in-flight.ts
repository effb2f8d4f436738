/**
 * Runs tasks with at most `limit` of them at once. After a task fails no new
 * task starts, and `add` or `drain` rejects with the first failure once every
 * started task has settled, so nothing runs on after the caller gives up
 * (a caller that fails for its own reasons waits on `settled` first).
 */
export class TasksInFlight {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  constructor(private readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`at least one task must run at once, not ${limit}`);
    }
  }

  /** Starts `task` when a slot is free; resolves once it has started. */
  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit && !this.failure) {
      await Promise.race(this.running);
    }
    if (this.failure) {
      return this.drain();
    }
    const started: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(started));
    this.running.add(started);
  }

  /** Waits for every started task, whatever its outcome. */
  async settled(): Promise<void> {
    await Promise.all(this.running);
  }

  /** Waits for every started task; rejects with the first failure. */
  async drain(): Promise<void> {
    await this.settled();
    if (this.failure) {
      throw this.failure.error;
    }
  }
}
