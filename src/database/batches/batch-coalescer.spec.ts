import { DatabaseBusy } from '../database.errors';
import { BatchCoalescer, type BatchHolds } from './batch-coalescer';
import { BatchLanes } from './batch-lanes';
import type { BatchMember, BatchSettler } from './batch-member';

interface Request {
  profileId: number;
}

/** A coalescer of requests that hold their profile, over `settler`. */
class RequestCoalescer extends BatchCoalescer<Request, string> {
  send(profileId: number, since?: number): Promise<string> {
    return this.submit({ profileId }, since);
  }

  protected holdsOf({ profileId }: Request): BatchHolds {
    return { profiles: [profileId], key: undefined };
  }
}

const POOL_WAIT_MS = 1_000;

/**
 * One lane (a pool of two), the pool bound POOL_WAIT_MS, and a settler
 * that holds each batch until `release`, then writes every member.
 */
function heldLane() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const batches: number[][] = [];
  const settler: BatchSettler<Request, string> = {
    async settle(batch: BatchMember<Request, string>[]) {
      batches.push(batch.map(({ item }) => item.profileId));
      await released;
      for (const member of batch) {
        member.answer({ value: `written ${member.item.profileId}` });
      }
    },
  };
  const lanes = new BatchLanes({
    size: 2,
    bounds: { lockWaitMs: 1_000, statementMs: 1_000, poolWaitMs: POOL_WAIT_MS },
  });
  return {
    coalescer: new RequestCoalescer(settler, lanes, 64),
    batches,
    release,
  };
}

const stateOf = (promise: Promise<unknown>) =>
  Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    new Promise((resolve) => setImmediate(() => resolve('pending'))),
  ]);

describe('BatchCoalescer', () => {
  it('lets a request sent again wait what is left of the pool bound, not the bound again', async () => {
    const { coalescer, batches, release } = heldLane();
    const running = coalescer.send(1);
    const start = performance.now();
    // Sent again after a skip: it first queued 900 ms ago.
    const again = coalescer.send(2, start - 900);
    const fresh = coalescer.send(3);

    await expect(again).rejects.toBeInstanceOf(DatabaseBusy);
    expect(performance.now() - start).toBeLessThan(POOL_WAIT_MS / 2);
    await expect(stateOf(fresh)).resolves.toBe('pending');

    release();
    await expect(running).resolves.toBe('written 1');
    await expect(fresh).resolves.toBe('written 3');
    expect(batches).toEqual([[1], [3]]);
  });

  it('answers a fresh request that waited the whole pool bound busy, nothing written', async () => {
    const { coalescer, batches, release } = heldLane();
    const running = coalescer.send(1);
    const start = performance.now();

    await expect(coalescer.send(2)).rejects.toBeInstanceOf(DatabaseBusy);
    expect(performance.now() - start).toBeGreaterThanOrEqual(POOL_WAIT_MS - 5);

    release();
    await expect(running).resolves.toBe('written 1');
    await expect(coalescer.send(3)).resolves.toBe('written 3');
    expect(batches).toEqual([[1], [3]]);
  });

  it('lets a request sent again past its bound go if a batch takes it at once, and answers it busy if none can', async () => {
    const { coalescer, batches, release } = heldLane();
    const past = performance.now() - 2 * POOL_WAIT_MS;
    const taken = coalescer.send(1, past);
    const start = performance.now();

    await expect(coalescer.send(2, past)).rejects.toBeInstanceOf(DatabaseBusy);
    expect(performance.now() - start).toBeLessThan(POOL_WAIT_MS / 2);

    release();
    await expect(taken).resolves.toBe('written 1');
    expect(batches).toEqual([[1]]);
  });
});
