import { BatchCoalescer, type BatchHolds } from './batch-coalescer';
import { BatchLanes } from './batch-lanes';
import type { BatchMember } from './batch-member';
import { GatheringTurn } from './gathering-turn';

/** A coalescer of numbers whose settler records each batch and answers it when told. */
class RecordingCoalescer extends BatchCoalescer<number, number> {
  constructor(
    name: string,
    calls: { name: string; items: number[]; answer: () => void }[],
    lanes: BatchLanes,
    turn: GatheringTurn,
  ) {
    super(
      {
        settle: (batch: BatchMember<number, number>[], firstCallDone) =>
          new Promise<void>((resolve) => {
            calls.push({
              name,
              items: batch.map(({ item }) => item),
              answer: () => {
                batch.forEach((member) =>
                  member.answer({ value: member.item }),
                );
                firstCallDone();
                resolve();
              },
            });
          }),
      },
      lanes,
      64,
      turn,
    );
  }

  add(item: number): Promise<number> {
    return this.submit(item);
  }

  protected holdsOf(item: number): BatchHolds {
    return { profiles: [item], key: undefined };
  }
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('GatheringTurn', () => {
  it('lets coalescers that share it gather one after the other, each taking what queued meanwhile', async () => {
    const calls: { name: string; items: number[]; answer: () => void }[] = [];
    const lanes = new BatchLanes({ size: 8, bounds: null });
    const turn = new GatheringTurn();
    const checkouts = new RecordingCoalescer('checkouts', calls, lanes, turn);
    const confirms = new RecordingCoalescer('confirms', calls, lanes, turn);

    const answered = [checkouts.add(1)];
    answered.push(confirms.add(2), checkouts.add(3), confirms.add(4));
    await settled();
    // The first checkout took the turn: the rest queue, confirms included.
    expect(calls.map(({ name, items }) => [name, items])).toEqual([
      ['checkouts', [1]],
    ]);

    calls[0].answer();
    await settled();
    // The turn goes to the confirms first, with both that queued.
    expect(calls.map(({ name, items }) => [name, items])).toEqual([
      ['checkouts', [1]],
      ['confirms', [2, 4]],
    ]);

    calls[1].answer();
    await settled();
    calls[2].answer();
    expect(calls.map(({ name, items }) => [name, items])).toEqual([
      ['checkouts', [1]],
      ['confirms', [2, 4]],
      ['checkouts', [3]],
    ]);
    await expect(Promise.all(answered)).resolves.toEqual([1, 2, 3, 4]);
  });

  it('is a coalescer of its own when none is shared: its batches gather beside the others', async () => {
    const calls: { name: string; items: number[]; answer: () => void }[] = [];
    const lanes = new BatchLanes({ size: 8, bounds: null });
    const movements = new RecordingCoalescer(
      'movements',
      calls,
      lanes,
      new GatheringTurn(),
    );
    const redemptions = new RecordingCoalescer(
      'redemptions',
      calls,
      lanes,
      new GatheringTurn(),
    );
    const answered = [movements.add(1), redemptions.add(2)];
    await settled();
    expect(calls.map(({ name, items }) => [name, items])).toEqual([
      ['movements', [1]],
      ['redemptions', [2]],
    ]);
    calls.forEach(({ answer }) => answer());
    await expect(Promise.all(answered)).resolves.toEqual([1, 2]);
  });
});
