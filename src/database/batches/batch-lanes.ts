import { Inject, Injectable } from '@nestjs/common';
import { DATABASE_POOL, type DatabasePool } from '../database-pool';

/**
 * The connections the batch coalescers share: one fewer than the pool's, so
 * that one is left for everything else (the health check among it). A
 * coalescer that found none free is called again when one comes free.
 */
@Injectable()
export class BatchLanes {
  private readonly size: number;
  /** How long a member may wait for its batch: the pool's bound. */
  readonly waitMs: number | undefined;
  private inUse = 0;
  private readonly pumps: (() => void)[] = [];
  private first = 0;

  constructor(@Inject(DATABASE_POOL) pool: DatabasePool) {
    this.size = Math.max(1, pool.size - 1);
    this.waitMs = pool.bounds?.poolWaitMs;
  }

  free(): boolean {
    return this.inUse < this.size;
  }

  take(): void {
    this.inUse += 1;
  }

  /**
   * Frees a lane and offers it to each coalescer, starting one further
   * every time, so that none takes every lane while another's queue waits.
   */
  give(): void {
    this.inUse -= 1;
    this.first = (this.first + 1) % this.pumps.length;
    for (let n = 0; n < this.pumps.length; n++) {
      this.pumps[(this.first + n) % this.pumps.length]();
    }
  }

  /** Calls `pump` whenever a lane comes free. */
  onFree(pump: () => void): void {
    this.pumps.push(pump);
  }
}
