import { BatchLanes } from './batch-lanes';

describe('BatchLanes', () => {
  it('keeps one connection of the pool out of the lanes', () => {
    const lanes = new BatchLanes({ size: 3, bounds: null });
    expect(lanes.free()).toBe(true);
    lanes.take();
    lanes.take();
    expect(lanes.free()).toBe(false);
  });

  it('offers a freed lane to each coalescer in turn, so that none takes them all', () => {
    const lanes = new BatchLanes({ size: 2, bounds: null });
    const takers: string[] = [];
    for (const name of ['movements', 'redemptions']) {
      // Each coalescer has a queue, and takes a lane whenever one is free.
      lanes.onFree(() => {
        if (lanes.free()) {
          lanes.take();
          takers.push(name);
        }
      });
    }
    lanes.take();
    for (let round = 0; round < 4; round++) {
      lanes.give();
    }
    expect(takers).toEqual([
      'redemptions',
      'movements',
      'redemptions',
      'movements',
    ]);
  });
});
