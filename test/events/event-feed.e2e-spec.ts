// The event feed: every change to coins writes its event in its own
// transaction; GET /events pages through them oldest first, each once, even
// when transactions commit out of the order their events were numbered in.
import { Client } from 'pg';
import request from 'supertest';
import { WalletService } from '../../src/economy';
import { EventFeed, FEED_START } from '../../src/events';
import type { Profile } from '../../src/profiles';
import { feedSettled } from '../support/feed-horizon';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';

interface Event {
  id: number;
  type: string;
  occurredAt: string;
  profileId: number | null;
  walletId: number | null;
  amount: number | null;
  data: Record<string, unknown>;
}

/**
 * A credit written by hand in `client`'s open transaction: its event id is
 * drawn now, its commit is the test's to choose.
 */
function creditInside(client: Client, profileId: number, amount: number) {
  return client.query(
    `WITH w AS (
       UPDATE wallets SET cached_balance = cached_balance + $2
        WHERE profile_id = $1 RETURNING id, cached_balance)
     INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
     SELECT id, $2, cached_balance, 'MANUAL_ADJUST' FROM w`,
    [profileId, amount],
  );
}

interface Page {
  items: Event[];
  nextCursor: string;
}

describe('the event feed', () => {
  let t: HttpTestApp;
  let buyer: Profile;
  let other: Profile;
  let service: string;
  let admin: string;

  const http = () => request(t.app.getHttpServer());
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const feed = async (query: Record<string, string | number> = {}) => {
    const answer = await http().get('/events').query(query).set(as(service));
    expect(answer.status).toBe(200);
    return answer.body as Page;
  };
  const settled = () => feedSettled(t.database);
  /** Every settled event after `after`, paging `limit` at a time. */
  const drain = async (after?: string, limit = 100) => {
    await settled();
    const seen: Event[] = [];
    let cursor = after;
    for (;;) {
      const page = await feed(
        cursor === undefined ? { limit } : { after: cursor, limit },
      );
      seen.push(...page.items);
      if (page.items.length === 0) {
        return { seen, cursor: page.nextCursor };
      }
      cursor = page.nextCursor;
    }
  };
  const credit = (profileId: number, amount: number) =>
    http()
      .post(`/wallets/${profileId}/credit`)
      .set(as(service))
      .send({ amount, reason: 'MANUAL_ADJUST' });

  beforeAll(async () => {
    t = await createHttpTestApp();
    buyer = await t.createProfile();
    other = await t.createProfile();
    service = t.token(buyer.id, ['service']);
    admin = t.token(buyer.id, ['admin']);
  });
  afterAll(() => t.close());

  it('writes an event for every kind of change, in order, with its ids', async () => {
    const start = (await drain()).cursor;
    expect((await credit(buyer.id, 1_000)).status).toBe(201);
    const debited = await http()
      .post(`/wallets/${buyer.id}/debit`)
      .set(as(service))
      .send({ amount: 100, reason: 'MANUAL_ADJUST' });
    expect(debited.status).toBe(201);
    const transfer = await http()
      .post('/transfers')
      .set(as(service))
      .send({ fromProfileId: buyer.id, toProfileId: other.id, amount: 50 });
    expect(transfer.status).toBe(201);

    const hold = await http()
      .post(`/wallets/${buyer.id}/holds`)
      .set(as(service))
      .send({ amount: 40, reason: 'MANUAL_ADJUST' });
    const holdId = hold.body.holdId as number;
    expect(
      (
        await http()
          .post(`/holds/${holdId}/capture`)
          .set(as(service))
          .send({ amount: 30 })
      ).status,
    ).toBe(200);
    const released = await http()
      .post(`/wallets/${buyer.id}/holds`)
      .set(as(service))
      .send({ amount: 5, reason: 'MANUAL_ADJUST' });
    await http()
      .post(`/holds/${released.body.holdId as number}/release`)
      .set(as(service));
    const expiring = await http()
      .post(`/wallets/${buyer.id}/holds`)
      .set(as(service))
      .send({ amount: 7, reason: 'MANUAL_ADJUST', expiresInSeconds: 1 });
    expect(expiring.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await t.app.get(WalletService).expireHolds();

    await http()
      .post('/shop/items')
      .set(as(admin))
      .send({ sku: 'feed-item', name: 'Feed item', price: 20, stock: 5 });
    const buy = () =>
      http()
        .post('/purchases')
        .set(as(service))
        .set('Idempotency-Key', `feed-${Math.random()}`)
        .send({
          profileId: buyer.id,
          lines: [{ sku: 'feed-item', quantity: 1 }],
        });
    const bought = (await buy()).body.id as number;
    await http().post(`/purchases/${bought}/confirm`).set(as(service));
    await http().post(`/purchases/${bought}/refund`).set(as(admin));
    const cancelled = (await buy()).body.id as number;
    await http().post(`/purchases/${cancelled}/cancel`).set(as(service));

    const tournament = await http()
      .post('/tournaments')
      .set(as(admin))
      .send({
        name: 'Feed Cup',
        participationCoins: 10,
        prizes: { WINNER: 500, RUNNER_UP: 250, TOP4: 100 },
      });
    const tournamentId = tournament.body.id as number;
    const registrationIds: number[] = [];
    for (const player of [buyer, other]) {
      const registered = await http()
        .post(`/tournaments/${tournamentId}/registrations`)
        .set(as(service))
        .send({ profileId: player.id });
      registrationIds.push(registered.body.id as number);
      await http()
        .post(`/registrations/${registered.body.id as number}/verify-payment`)
        .set(as(service));
    }
    await http()
      .put(`/tournaments/${tournamentId}/placements`)
      .set(as(admin))
      .send({
        WINNER: registrationIds[0],
        RUNNER_UP: registrationIds[1],
        TOP4: [],
      });
    expect(
      (
        await http()
          .post(`/tournaments/${tournamentId}/payouts`)
          .set(as(service))
      ).status,
    ).toBe(200);

    const { seen } = await drain(start, 3);
    expect(seen.map((event) => event.type)).toEqual([
      'wallet.credited',
      'wallet.debited',
      'transfer.completed',
      'hold.placed',
      'wallet.debited',
      'hold.captured',
      'hold.placed',
      'hold.released',
      'hold.placed',
      'hold.expired',
      'hold.placed',
      'purchase.created',
      'wallet.debited',
      'hold.captured',
      'purchase.completed',
      'wallet.credited',
      'purchase.refunded',
      'hold.placed',
      'purchase.created',
      'hold.released',
      'purchase.cancelled',
      'wallet.credited',
      'payout.paid',
      'wallet.credited',
      'payout.paid',
      // The placements are paid in one transaction: both credits, then both prizes.
      'wallet.credited',
      'wallet.credited',
      'payout.paid',
      'payout.paid',
    ]);
    expect(new Set(seen.map((event) => event.id)).size).toBe(seen.length);
    const [credited, debit, transferred] = seen;
    expect(credited).toEqual({
      id: expect.any(Number) as number,
      type: 'wallet.credited',
      occurredAt: expect.any(String) as string,
      profileId: buyer.id,
      walletId: expect.any(Number) as number,
      amount: 1_000,
      data: {
        transactionId: expect.any(Number) as number,
        reason: 'MANUAL_ADJUST',
        balanceAfter: 1_000,
      },
    });
    expect(debit).toMatchObject({ profileId: buyer.id, amount: 100 });
    expect(transferred).toMatchObject({
      profileId: buyer.id,
      amount: 50,
      data: {
        transferId: expect.any(Number) as number,
        toProfileId: other.id,
        balanceAfter: 850,
        toBalanceAfter: 50,
      },
    });
    expect(seen.find((event) => event.type === 'hold.captured')).toMatchObject({
      amount: 30,
      data: { holdId, heldAmount: 40 },
    });
    expect(seen.find((event) => event.type === 'payout.paid')).toMatchObject({
      amount: 10,
      data: { tournamentId, placement: 'PARTICIPATION' },
    });
    expect(seen.at(-1)).toMatchObject({
      profileId: other.id,
      amount: 250,
      data: { tournamentId, placement: 'RUNNER_UP' },
    });
  });

  it('starts at the oldest event kept without `after`, and repeats the cursor when nothing is new', async () => {
    const first = await feed({ limit: 1 });
    const [oldest] = await t.database.asOwner((owner) =>
      owner.query<{ id: string }[]>(
        'SELECT id FROM events ORDER BY xid, id LIMIT 1',
      ),
    );
    expect(first.items[0].id).toBe(Number(oldest.id));
    const { cursor } = await drain();
    expect(await feed({ after: cursor })).toEqual({
      items: [],
      nextCursor: cursor,
    });
  });

  it('never hands out a cursor past an event whose transaction is still open', async () => {
    const { cursor } = await drain();
    // A credit numbered first but committed last: its transaction draws its
    // event id, then waits while a later credit commits.
    const early = new Client({ connectionString: t.database.url });
    await early.connect();
    try {
      await early.query('BEGIN');
      await creditInside(early, other.id, 7);
      expect((await credit(buyer.id, 3)).status).toBe(201);
      const ids = await t.database.asOwner((owner) =>
        owner.query<{ id: string }[]>(
          `SELECT id FROM events WHERE type = 'wallet.credited' ORDER BY id DESC LIMIT 1`,
        ),
      );
      // The later credit committed, but the feed waits for the open one.
      const waiting = await feed({ after: cursor });
      expect(waiting).toEqual({ items: [], nextCursor: cursor });
      await early.query('COMMIT');
      const { seen } = await drain(cursor);
      expect(seen.map((event) => [event.profileId, event.amount])).toEqual([
        [other.id, 7],
        [buyer.id, 3],
      ]);
      expect(seen[0].id).toBeLessThan(seen[1].id);
      expect(seen[1].id).toBe(Number(ids[0].id));
    } finally {
      await early.end();
    }
  });

  it('leaves no event for a change rolled back', async () => {
    const { cursor } = await drain();
    const client = new Client({ connectionString: t.database.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await creditInside(client, other.id, 9);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
    expect((await drain(cursor)).seen).toEqual([]);
  });

  it('gives a consumer paging during out-of-order commits every event exactly once', async () => {
    const { cursor: start } = await drain();
    const writers = 6;
    const movesEach = 8;
    let writing = true;
    const consumed: Event[] = [];
    const consumer = (async () => {
      let cursor = start;
      let caughtUp = false;
      for (;;) {
        // Once the writers are done, their events are all in the feed as
        // soon as the cluster's older transactions end (see settled): that
        // is waited for once.
        const done = !writing;
        if (done && !caughtUp) {
          await settled();
          caughtUp = true;
        }
        const page = await feed({ after: cursor, limit: 4 });
        consumed.push(...page.items);
        cursor = page.nextCursor;
        if (done && page.items.length === 0) {
          return;
        }
      }
    })();
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        const client = new Client({ connectionString: t.database.url });
        await client.connect();
        try {
          for (let move = 0; move < movesEach; move++) {
            await client.query('BEGIN');
            await creditInside(
              client,
              writer % 2 === 0 ? buyer.id : other.id,
              1,
            );
            // Held open a random while, so later transactions commit first.
            await client.query('SELECT pg_sleep($1)', [Math.random() * 0.08]);
            await client.query('COMMIT');
          }
        } finally {
          await client.end();
        }
      }),
    );
    writing = false;
    await consumer;
    const written = await t.database.asOwner((owner) =>
      owner.query<{ id: string }[]>(
        `SELECT id FROM events WHERE (xid, id) > ($1::xid8, $2::bigint) ORDER BY id`,
        start.split('.'),
      ),
    );
    const ids = consumed.map((event) => event.id);
    expect(ids.length).toBe(writers * movesEach);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(
      written.map((row) => Number(row.id)),
    );
  });

  it('wakes a long poll within a second of a new event', async () => {
    const { cursor } = await drain();
    let answered = false;
    const polling = feed({ after: cursor, wait: 10 }).then((page) => {
      answered = true;
      return page;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Still waiting half a second in: nothing came, and it did not answer.
    expect(answered).toBe(false);
    expect((await credit(other.id, 11)).status).toBe(201);
    // The event is in the feed once every transaction older than it has
    // ended, on a cluster the suites beside this one share: the second
    // counts from then.
    await settled();
    const visibleAt = Date.now();
    const page = await polling;
    const answeredAt = Date.now();
    expect(page.items.map((event) => [event.type, event.amount])).toEqual([
      ['wallet.credited', 11],
    ]);
    expect(answeredAt - visibleAt).toBeLessThan(1_000);
  });

  it('answers an empty page after `wait` seconds when nothing happens', async () => {
    const { cursor } = await drain();
    const asked = Date.now();
    expect(await feed({ after: cursor, wait: 1 })).toEqual({
      items: [],
      nextCursor: cursor,
    });
    expect(Date.now() - asked).toBeGreaterThanOrEqual(950);
  });

  it('refuses malformed queries with 400 and players with 403', async () => {
    for (const query of [
      { after: 'abc' },
      { after: '1' },
      { after: '18446744073709551616.1' },
      { after: '-1.0' },
      { limit: 0 },
      { limit: 1001 },
      { limit: '1e2' },
      { wait: 31 },
      { wait: -1 },
    ]) {
      const refused = await http().get('/events').query(query).set(as(service));
      expect([refused.status, refused.body.code]).toEqual([
        400,
        'VALIDATION_FAILED',
      ]);
    }
    const player = await http()
      .get('/events')
      .set(as(t.token(buyer.id, ['player'])));
    expect(player.status).toBe(403);
    expect((await http().get('/events')).status).toBe(401);
  });

  it('prunes events past their retention, and only those', async () => {
    await t.database.asOwner((owner) =>
      owner.query(
        `INSERT INTO events (type, occurred_at) VALUES
           ('test.old', now() - interval '31 days'),
           ('test.recent', now() - interval '29 days')`,
      ),
    );
    const events = t.app.get(EventFeed);
    expect(await events.prune(30)).toBe(1);
    const kept = await t.database.asOwner((owner) =>
      owner.query<{ type: string }[]>(
        `SELECT type FROM events WHERE type LIKE 'test.%'`,
      ),
    );
    expect(kept).toEqual([{ type: 'test.recent' }]);
    const page = await events.page(FEED_START, 1000);
    expect(page.items.some((event) => event.type === 'test.old')).toBe(false);
  });

  it("lets the service delete only through pruning, and never a day's events", async () => {
    await expect(t.dataSource.query('DELETE FROM events')).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      t.dataSource.query('SELECT prune_events(0, 10)'),
    ).rejects.toThrow(/kept a day at least/);
  });

  it('orders events by transaction id as a number, where ids gain a digit', async () => {
    // Transaction ids 99 and 100: in text order '100' comes first, and a
    // cursor past it would skip 99.
    await t.database.asOwner((owner) =>
      owner.query(
        `INSERT INTO events (xid, type, data) VALUES
           ('99', 'test.digits', '{"xid": 99}'),
           ('100', 'test.digits', '{"xid": 100}')`,
      ),
    );
    const { seen } = await drain(undefined, 1);
    expect(
      seen
        .filter((event) => event.type === 'test.digits')
        .map((event) => event.data.xid),
    ).toEqual([99, 100]);
    const [newest] = await t.database.asOwner((owner) =>
      owner.query<{ id: string }[]>(
        'SELECT id FROM events ORDER BY xid DESC, id DESC LIMIT 1',
      ),
    );
    const page = await t.app.get(EventFeed).newest(1);
    expect(page.items.map((event) => event.id)).toEqual([Number(newest.id)]);
  });

  it('refuses to change an event', async () => {
    await expect(
      t.database.asOwner((owner) =>
        owner.query(`UPDATE events SET amount = 1`),
      ),
    ).rejects.toThrow(/not allowed/);
  });
});
