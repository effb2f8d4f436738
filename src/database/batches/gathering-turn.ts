/**
 * Whose batch gathers next: a coalescer's own turn, or one that several
 * coalescers share (the shop's checkouts and confirms), so that their first
 * calls go one after another and each takes all that queued meanwhile.
 */
export class GatheringTurn {
  private taken = false;
  private readonly pumps: (() => void)[] = [];

  available(): boolean {
    return !this.taken;
  }

  take(): void {
    this.taken = true;
  }

  /** Frees the turn and offers it to the other sharers first, then to `giver`. */
  give(giver: () => void): void {
    this.taken = false;
    const at = this.pumps.indexOf(giver);
    for (let n = 1; n <= this.pumps.length; n++) {
      this.pumps[(at + n) % this.pumps.length]();
    }
  }

  /** Calls `pump` whenever the turn comes free. */
  onFree(pump: () => void): void {
    this.pumps.push(pump);
  }
}
