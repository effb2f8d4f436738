// Confirms go in batches (one call of shop_confirm_batch, one commit each):
// every confirm gets its own answer, balances chain exactly when one wallet
// pays two purchases of a batch, and a locked wallet holds back only its own.
// Confirms and checkouts that queue together share a first call
// (ShopBatchCoalescer), and what it skips waits in a call of its own kind.
import type { Profile } from '../../src/profiles';
import {
  CatalogService,
  CheckoutService,
  PurchaseLifecycle,
  PurchaseNotFound,
  PurchaseState,
  type PlacedPurchase,
} from '../../src/shop';
import type { EconomyTestContext } from '../support/economy-test-context';
import { createShopBatchContext } from '../support/shop-batch-context';
import { openRowLocker } from '../support/row-locker';

const PRICE = 7;

describe('confirms in batches', () => {
  let ctx: EconomyTestContext;
  let checkout: CheckoutService;
  let lifecycle: PurchaseLifecycle;
  let sequence = 0;

  beforeAll(async () => {
    ctx = await createShopBatchContext(20_000);
    checkout = ctx.get(CheckoutService);
    lifecycle = ctx.get(PurchaseLifecycle);
    await ctx.get(CatalogService).add({
      sku: 'BATCH-ITEM',
      name: 'Batch item',
      price: PRICE,
      stock: 1_000,
    });
  });
  afterAll(() => ctx.close());

  const buy = (
    profile: Profile,
    expiresInSeconds?: number,
  ): Promise<PlacedPurchase> => {
    sequence += 1;
    return checkout.purchase({
      profileId: profile.id,
      lines: [{ sku: 'BATCH-ITEM', quantity: 1 }],
      expiresInSeconds,
      idempotencyKey: `batch-${sequence}`,
      keyScope: { namespace: 'http', caller: 'test' },
      requestFingerprint: `fingerprint-${sequence}`,
    });
  };
  const purchaseRows = (profile: Profile) =>
    ctx.dataSource.query<{ amount: string; writer: string }[]>(
      `SELECT t.amount, t.xmin::text AS writer
         FROM wallet_transactions t JOIN wallets w ON w.id = t.wallet_id
        WHERE w.profile_id = $1 AND t.reason = 'PURCHASE'`,
      [profile.id],
    );
  const expectLedgerSound = async () =>
    expect((await ctx.ledger.verifyInvariants()).violations).toEqual([]);

  it('completes 64 concurrent confirms in fewer transactions, two of one wallet chained', async () => {
    const buyers = await Promise.all(
      Array.from({ length: 32 }, () => ctx.createFundedProfile(100)),
    );
    const purchases: PlacedPurchase[] = [];
    for (const buyer of buyers) {
      purchases.push(await buy(buyer), await buy(buyer));
    }

    const confirmed = await Promise.all(
      purchases.map((purchase) => lifecycle.confirm(purchase.id)),
    );

    expect(confirmed.map(({ status }) => status)).toEqual(
      purchases.map(() => 'COMPLETED'),
    );
    expect(
      new Set(confirmed.map(({ transactionId }) => transactionId)).size,
    ).toBe(64);
    const writers = new Set<string>();
    for (const buyer of buyers) {
      expect(await ctx.wallets.getWallet(buyer)).toMatchObject({
        balance: 100 - 2 * PRICE,
        held: 0,
      });
      const rows = await purchaseRows(buyer);
      expect(rows.map(({ amount }) => amount)).toEqual([
        String(-PRICE),
        String(-PRICE),
      ]);
      rows.forEach(({ writer }) => writers.add(writer));
    }
    expect(writers.size).toBeLessThan(64);
    for (const purchase of purchases) {
      expect(await ctx.wallets.getHold(purchase.holdId)).toMatchObject({
        status: 'CAPTURED',
        capturedAmount: PRICE,
      });
    }
    await expectLedgerSound();
  });

  it('answers each confirm of a batch its own outcome, a refused one failing no neighbour', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const first = await buy(buyer);
    const pending = await buy(buyer);
    const cancelled = await buy(buyer);
    await lifecycle.cancel(cancelled.id);
    const completed = await buy(buyer);
    const done = await lifecycle.confirm(completed.id);
    const expiring = await buy(buyer, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    // The first goes alone; the rest queue behind it, one batch.
    const [, twice, again, refused, late, unknown, repeat] =
      await Promise.allSettled([
        lifecycle.confirm(first.id),
        lifecycle.confirm(pending.id),
        lifecycle.confirm(completed.id),
        lifecycle.confirm(cancelled.id),
        lifecycle.confirm(expiring.id),
        lifecycle.confirm(2_000_000_000),
        lifecycle.confirm(pending.id),
      ]);

    expect(twice).toMatchObject({
      status: 'fulfilled',
      value: { id: pending.id, status: 'COMPLETED' },
    });
    // Confirming again answers the same purchase, with the same transaction.
    expect(repeat).toEqual(twice);
    expect(again).toMatchObject({
      status: 'fulfilled',
      value: { status: 'COMPLETED', transactionId: done.transactionId },
    });
    for (const outcome of [refused, late]) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(
        PurchaseState,
      );
    }
    expect((unknown as PromiseRejectedResult).reason).toBeInstanceOf(
      PurchaseNotFound,
    );
    // Three purchases paid: first, pending and completed, once each.
    expect(await purchaseRows(buyer)).toHaveLength(3);
    expect(await ctx.wallets.getWallet(buyer)).toMatchObject({
      balance: 100 - 3 * PRICE,
      held: PRICE,
    });
    await expectLedgerSound();
  });

  it("keeps a locked wallet's confirms to one lane, and answers an unknown purchase at once beside them", async () => {
    const stuck = await ctx.createFundedProfile(100);
    const other = await ctx.createFundedProfile(100);
    const stuckPurchases = [
      await buy(stuck),
      await buy(stuck),
      await buy(stuck),
    ];
    const locker = await openRowLocker(ctx.database.url);
    try {
      await locker.wallet(stuck.id);
      let stuckDone = 0;
      const waiting: Promise<unknown>[] = [];
      // One after another, each a batch of its own: without the buyer's
      // profile held, each would wait on a lane of its own, and three take
      // every lane there is.
      for (const purchase of stuckPurchases) {
        waiting.push(
          lifecycle.confirm(purchase.id).then(() => (stuckDone += 1)),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await expect(lifecycle.confirm(2_000_000_001)).rejects.toBeInstanceOf(
        PurchaseNotFound,
      );
      await ctx.wallets.credit(other, 1, { reason: 'WINNER' });
      expect((await lifecycle.confirm((await buy(other)).id)).status).toBe(
        'COMPLETED',
      );
      expect(stuckDone).toBe(0);
      await locker.release();
      await Promise.all(waiting);
    } finally {
      await locker.close();
    }
    expect(await ctx.wallets.getWallet(stuck)).toMatchObject({
      balance: 100 - 3 * PRICE,
      held: 0,
    });
    await expectLedgerSound();
  });

  it('confirms a purchase named twice in one call once', async () => {
    const buyer = await ctx.createFundedProfile(100);
    // Another pending hold on the wallet: a second capture would not fail
    // on the held total, it would take the coins twice.
    await buy(buyer);
    const twice = await buy(buyer);
    const rows = await ctx.dataSource.query<{ outcome: string }[]>(
      'SELECT outcome FROM shop_confirm_batch($1::bigint[], false) ORDER BY i',
      [[twice.id, twice.id]],
    );
    expect(rows.map(({ outcome }) => outcome)).toEqual(['completed', 'alone']);
    expect(await purchaseRows(buyer)).toHaveLength(1);
    expect(await ctx.wallets.getWallet(buyer)).toMatchObject({
      balance: 100 - PRICE,
      held: PRICE,
    });
    await expectLedgerSound();
  });

  it("holds back only a locked wallet's confirms, which go once the lock does", async () => {
    const [stuck, ...others] = await Promise.all(
      Array.from({ length: 6 }, () => ctx.createFundedProfile(100)),
    );
    const stuckPurchase = await buy(stuck);
    const otherPurchases = await Promise.all(others.map((other) => buy(other)));
    const locker = await openRowLocker(ctx.database.url);
    try {
      await locker.wallet(stuck.id);
      let stuckDone = false;
      const waiting = lifecycle.confirm(stuckPurchase.id).then((purchase) => {
        stuckDone = true;
        return purchase;
      });
      const free = await Promise.all(
        otherPurchases.map((purchase) => lifecycle.confirm(purchase.id)),
      );
      expect(free.map(({ status }) => status)).toEqual(
        others.map(() => 'COMPLETED'),
      );
      expect(stuckDone).toBe(false);
      await locker.release();
      expect(await waiting).toMatchObject({ status: 'COMPLETED' });
    } finally {
      await locker.close();
    }
    expect(await ctx.wallets.getWallet(stuck)).toMatchObject({
      balance: 100 - PRICE,
      held: 0,
    });
    await expectLedgerSound();
  });

  // The transaction that wrote each purchase, and each purchase's capture.
  const writers = (ids: number[]) =>
    ctx.dataSource.query<{ placed: string; captured: string | null }[]>(
      `SELECT p.xmin::text AS placed, t.xmin::text AS captured
         FROM purchases p LEFT JOIN wallet_transactions t ON t.id = p.transaction_id
        WHERE p.id = ANY ($1::bigint[])`,
      [ids],
    );

  it('writes confirms and checkouts that queued together in one transaction', async () => {
    const confirming = await Promise.all(
      Array.from({ length: 8 }, () => ctx.createFundedProfile(100)),
    );
    const buying = await Promise.all(
      Array.from({ length: 8 }, () => ctx.createFundedProfile(100)),
    );
    const pending: PlacedPurchase[] = [];
    for (const buyer of confirming) {
      pending.push(await buy(buyer));
    }

    // The first goes alone; the rest queue behind it, one batch of both kinds.
    const [confirmed, placed] = await Promise.all([
      Promise.all(pending.map(({ id }) => lifecycle.confirm(id))),
      Promise.all(buying.map((buyer) => buy(buyer))),
    ]);

    expect(confirmed.map(({ status }) => status)).toEqual(
      pending.map(() => 'COMPLETED'),
    );
    expect(placed.map(({ status }) => status)).toEqual(
      buying.map(() => 'PENDING'),
    );
    const captures = new Set(
      (await writers(pending.map(({ id }) => id))).map(
        ({ captured }) => captured,
      ),
    );
    const placements = (await writers(placed.map(({ id }) => id))).map(
      ({ placed: writer }) => writer,
    );
    expect(placements.some((writer) => captures.has(writer))).toBe(true);
    for (const buyer of confirming) {
      expect(await ctx.wallets.getWallet(buyer)).toMatchObject({
        balance: 100 - PRICE,
        held: 0,
      });
    }
    for (const buyer of buying) {
      expect(await ctx.wallets.getWallet(buyer)).toMatchObject({
        balance: 100,
        held: PRICE,
      });
    }
    await expectLedgerSound();
  });

  it("holds back only a locked wallet's confirm and order beside checkouts, and lets them go with the lock", async () => {
    const [stuck, ...others] = await Promise.all(
      Array.from({ length: 7 }, () => ctx.createFundedProfile(100)),
    );
    const stuckPurchase = await buy(stuck);
    const otherPurchases: PlacedPurchase[] = [];
    for (const other of others.slice(0, 3)) {
      otherPurchases.push(await buy(other));
    }
    const locker = await openRowLocker(ctx.database.url);
    let stuckDone = false;
    try {
      await locker.wallet(stuck.id);
      const waiting = Promise.all([
        lifecycle.confirm(stuckPurchase.id),
        buy(stuck),
      ]).then((outcomes) => {
        stuckDone = true;
        return outcomes;
      });
      const free = await Promise.all([
        ...otherPurchases.map(({ id }) => lifecycle.confirm(id)),
        ...others.slice(3).map((other) => buy(other)),
      ]);
      expect(free.map(({ status }) => status)).toEqual([
        'COMPLETED',
        'COMPLETED',
        'COMPLETED',
        'PENDING',
        'PENDING',
        'PENDING',
      ]);
      expect(stuckDone).toBe(false);
      await locker.release();
      const [completed, placed] = await waiting;
      expect(completed.status).toBe('COMPLETED');
      expect(placed.status).toBe('PENDING');
    } finally {
      await locker.close();
    }
    expect(await ctx.wallets.getWallet(stuck)).toMatchObject({
      balance: 100 - PRICE,
      held: PRICE,
    });
    await expectLedgerSound();
  });
});
