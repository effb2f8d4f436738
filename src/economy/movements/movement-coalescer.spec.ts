import {
  DatabaseBusy,
  DatabaseUnavailable,
} from '../../database/database.errors';
import { BatchLanes } from '../../database/batches/batch-lanes';
import type { DatabasePool } from '../../database/database-pool';
import type { SqlDatabase } from '../../database/sql-database';
import { InsufficientFunds } from '../economy.errors';
import {
  MovementBatchWriter,
  type CoalescedMovement,
} from './movement-batch-writer';
import { BATCH_LIMIT, MovementCoalescer } from './movement-coalescer';

interface Sent {
  movements: { to_profile: number; key: string | null }[];
  wait: boolean;
}

/**
 * The coalescer over a database stand-in that records each batch and answers
 * as `answer` says: what it does with each outcome and each failure, which
 * PostgreSQL can produce only rarely (a connection lost mid-call, say).
 */
function coalescerOver(
  answer: (sent: Sent, call: number) => Promise<unknown[]>,
  pool: DatabasePool = { size: 2, bounds: null },
) {
  const sent: Sent[] = [];
  const database = {
    run: jest.fn((_: unknown, [json, wait]: [string, boolean]) => {
      const batch = {
        movements: JSON.parse(json) as Sent['movements'],
        wait,
      };
      sent.push(batch);
      return answer(batch, sent.length);
    }),
  };
  return {
    sent,
    coalescer: new MovementCoalescer(
      new MovementBatchWriter(database as unknown as SqlDatabase),
      new BatchLanes(pool),
    ),
  };
}

const credit = (profileId: number, key?: string): CoalescedMovement => ({
  fromProfileId: null,
  toProfileId: profileId,
  amount: 5,
  reason: 'WINNER',
  meta: {},
  claim: key ? { key, sentKey: null, operation: 'CREDIT', request: {} } : null,
});

const written = (sent: Sent) =>
  sent.movements.map((_, i) => ({
    i,
    outcome: 'written',
    legs: [
      { id: String(i + 1), wallet_id: '1', amount: '5', balance_after: '5' },
    ],
  }));

describe('MovementCoalescer', () => {
  it(`takes at most ${BATCH_LIMIT} movements a batch, the rest in the next`, async () => {
    const { sent, coalescer } = coalescerOver((batch) =>
      Promise.resolve(written(batch)),
    );
    await Promise.all(
      Array.from({ length: 70 }, (_, i) => coalescer.move(credit(i + 1))),
    );
    expect(sent.map((batch) => batch.movements.length)).toEqual([
      1,
      BATCH_LIMIT,
      5,
    ]);
  });

  const lostUnavailable = (reason: unknown) =>
    expect(reason).toBeInstanceOf(DatabaseUnavailable);
  const asItCame = (error: Error) => (reason: unknown) =>
    expect(reason).toBe(error);
  const odd = new Error('something no one expected');
  const tls = Object.assign(new Error('write EPROTO'), { code: 'EPROTO' });

  it.each([
    [
      'a connection lost',
      new Error('Connection terminated unexpectedly'),
      lostUnavailable,
    ],
    [
      'a socket reset (a code, but no SQLSTATE)',
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      lostUnavailable,
    ],
    [
      'the database named unavailable',
      new DatabaseUnavailable('the database is unavailable'),
      lostUnavailable,
    ],
    [
      'a server shutting down',
      Object.assign(new Error('terminating'), { code: '57P01' }),
      lostUnavailable,
    ],
    ['an error with no code at all', odd, asItCame(odd)],
    ["a TLS error's code, which is no SQLSTATE", tls, asItCame(tls)],
  ])(
    'sends nothing again after %s: it may have committed; every member gets the same answer',
    async (_, lost, expectAnswer) => {
      const { sent, coalescer } = coalescerOver((batch, call) =>
        call === 1 ? Promise.resolve(written(batch)) : Promise.reject(lost),
      );
      const first = coalescer.move(credit(1));
      const batch = [2, 3, 4].map((profileId) =>
        coalescer.move(credit(profileId)),
      );
      await first;
      for (const result of await Promise.allSettled(batch)) {
        expect(result.status).toBe('rejected');
        expectAnswer((result as PromiseRejectedResult).reason);
      }
      expect(sent).toHaveLength(2);
    },
  );

  it('sends each member again alone when PostgreSQL refused the batch for a reason it cannot pin on one', async () => {
    const refused = Object.assign(new Error('check'), { code: '23514' });
    const { sent, coalescer } = coalescerOver((batch, call) =>
      call === 2 ? Promise.reject(refused) : Promise.resolve(written(batch)),
    );
    const first = coalescer.move(credit(1));
    const rest = [2, 3].map((profileId) => coalescer.move(credit(profileId)));
    await Promise.all([first, ...rest]);
    expect(sent.map((batch) => [batch.movements.length, batch.wait])).toEqual([
      [1, false],
      [2, false],
      [1, true],
      [1, true],
    ]);
  });

  it('gathers one batch at a time: what queues while a call runs goes in the next, together', async () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const { sent, coalescer } = coalescerOver(
      async (batch, call) => {
        if (call === 1) {
          await opened;
        }
        return written(batch);
      },
      { size: 5, bounds: null },
    );
    const first = coalescer.move(credit(1));
    const crowd = [2, 3, 4].map((profileId) =>
      coalescer.move(credit(profileId)),
    );
    expect(sent.map((batch) => batch.movements.length)).toEqual([1]);
    open();
    await Promise.all([first, ...crowd]);
    expect(sent.map((batch) => batch.movements.length)).toEqual([1, 3]);
  });

  it('sends a lone keyed movement its first call skipped again, waiting, and writes it', async () => {
    const skipped = Object.assign(new Error('left out'), {
      code: 'DC001',
      detail: JSON.stringify([{ i: 0, outcome: 'skipped' }]),
    });
    const { sent, coalescer } = coalescerOver((batch) =>
      batch.wait ? Promise.resolve(written(batch)) : Promise.reject(skipped),
    );
    await expect(coalescer.move(credit(1, 'k'))).resolves.toMatchObject({
      outcome: 'written',
    });
    expect(sent.map((batch) => batch.wait)).toEqual([false, true]);
  });

  it("holds a key's second use back until the first is answered, while other movements go", async () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const { sent, coalescer } = coalescerOver(
      async (batch) => {
        if (batch.wait) {
          await opened;
          return written(batch);
        }
        return batch.movements.map((m, i) =>
          m.to_profile === 1
            ? { i, outcome: 'skipped', legs: null }
            : written(batch)[i],
        );
      },
      { size: 4, bounds: null },
    );
    // The first use's wallet is locked: it waits for the lock, key claimed.
    const first = coalescer.move(credit(1, 'same'));
    await new Promise((resolve) => setImmediate(resolve));
    const second = coalescer.move(credit(2, 'same'));
    await expect(coalescer.move(credit(3))).resolves.toMatchObject({
      outcome: 'written',
    });
    const keysSent = () =>
      sent.map((batch) => [batch.movements.map((m) => m.key), batch.wait]);
    expect(keysSent()).toEqual([
      [['same'], false],
      [['same'], true],
      [[null], false],
    ]);
    open();
    await Promise.all([first, second]);
    expect(keysSent()).toEqual([
      [['same'], false],
      [['same'], true],
      [[null], false],
      [['same'], false],
    ]);
  });

  it('lets the next batch go while the movements a batch skipped wait for a lock', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { sent, coalescer } = coalescerOver(
      async (batch) => {
        if (batch.wait) {
          await released;
          return written(batch);
        }
        return written(batch).map((row, i) =>
          batch.movements[i].to_profile === 1
            ? { i, outcome: 'skipped', legs: null }
            : row,
        );
      },
      { size: 3, bounds: null },
    );
    const locked = coalescer.move(credit(1));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(coalescer.move(credit(2))).resolves.toMatchObject({
      outcome: 'written',
    });
    expect(
      sent.map((batch) => [
        batch.movements.map((m) => m.to_profile),
        batch.wait,
      ]),
    ).toEqual([
      [[1], false],
      [[1], true],
      [[2], false],
    ]);
    release();
    await expect(locked).resolves.toMatchObject({ outcome: 'written' });
  });

  it('answers keyed members left out of a batch: refused ones after a lone try, the rest written', async () => {
    const leftOut = (i: number) =>
      Object.assign(new Error('left out'), {
        code: 'DC001',
        detail: JSON.stringify([{ i, outcome: 'wallets_overdraft_check' }]),
      });
    const { sent, coalescer } = coalescerOver((batch) => {
      const refusedAt = batch.movements.findIndex((m) => m.key === 'poor');
      return refusedAt >= 0
        ? Promise.reject(leftOut(refusedAt))
        : Promise.resolve(written(batch));
    });
    const first = coalescer.move(credit(1));
    const poor = coalescer.move(credit(2, 'poor'));
    const fine = coalescer.move(credit(3, 'fine'));
    await first;
    await expect(poor).rejects.toBeInstanceOf(InsufficientFunds);
    await expect(fine).resolves.toMatchObject({ outcome: 'written' });
    expect(sent.map((batch) => batch.movements.map((m) => m.key))).toEqual([
      [null],
      ['poor', 'fine'],
      ['fine'],
      ['poor'],
    ]);
  });

  it('keeps a profile busy until its last movement of the batch is answered', async () => {
    const gates = [0, 1].map(() => {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { open, opened };
    });
    const { sent, coalescer } = coalescerOver(async (batch, call) => {
      await gates[call - 1]?.opened;
      return written(batch);
    });
    const first = coalescer.move(credit(9));
    const twice = [coalescer.move(credit(1)), coalescer.move(credit(1))];
    gates[0].open();
    await first;
    // The lane comes free once its batch is settled, a turn later.
    await new Promise((resolve) => setImmediate(resolve));
    const later = coalescer.move(credit(1));
    expect(sent.map((batch) => batch.movements.length)).toEqual([1, 2]);
    gates[1].open();
    await Promise.all([...twice, later]);
    expect(sent.map((batch) => batch.movements.length)).toEqual([1, 2, 1]);
  });

  it('answers BUSY, writing nothing, a movement that waited past the pool bound', async () => {
    const { coalescer } = coalescerOver(() => new Promise(() => undefined), {
      size: 2,
      bounds: { lockWaitMs: 10, statementMs: 10, poolWaitMs: 20 },
    });
    void coalescer.move(credit(1));
    await expect(coalescer.move(credit(2))).rejects.toBeInstanceOf(
      DatabaseBusy,
    );
  });

  it('answers an outcome it does not know as an error, and a thrown non-error as one', async () => {
    const { coalescer } = coalescerOver((_, call) =>
      call === 1
        ? Promise.resolve([{ i: 0, outcome: 'surprise', legs: null }])
        : // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a driver might throw
          Promise.reject('not an error'),
    );
    await expect(coalescer.move(credit(1))).rejects.toThrow(
      'a batch answered surprise for a movement',
    );
    await expect(coalescer.move(credit(2))).rejects.toThrow('not an error');
  });
});
