// Checkouts go in batches (calls of shop_checkout_batch, one commit
// each): stock and coins are counted across a batch's orders, every order
// gets its own answer (a refusal, a replay or a limit as a lone checkout
// gives it), and a locked wallet or item holds back only its own orders.
import { InsufficientFunds } from '../../src/economy';
import type { Profile } from '../../src/profiles';
import {
  CatalogService,
  CheckoutService,
  ItemUnavailable,
  LimitExceeded,
  OutOfStock,
  type PlacedPurchase,
} from '../../src/shop';
import { PurchaseBatches } from '../../src/shop/repositories/purchase-batches';
import type { CheckoutOrder } from '../../src/shop/repositories/purchase-steps';
import type { EconomyTestContext } from '../support/economy-test-context';
import { createShopBatchContext } from '../support/shop-batch-context';
import { openRowLocker } from '../support/row-locker';

describe('checkouts in batches', () => {
  let ctx: EconomyTestContext;
  let catalog: CatalogService;
  let checkout: CheckoutService;
  let sequence = 0;

  beforeAll(async () => {
    ctx = await createShopBatchContext(20_000);
    catalog = ctx.get(CatalogService);
    checkout = ctx.get(CheckoutService);
  });
  afterAll(() => ctx.close());

  const item = async (
    price: number,
    stock?: number,
    perProfileLimit?: number,
  ) => {
    sequence += 1;
    return catalog.add({
      sku: `CB-${sequence}`,
      name: `item ${sequence}`,
      price,
      stock,
      perProfileLimit,
    });
  };
  const buy = (
    profile: Profile,
    lines: { sku: string; quantity: number }[],
    key = `cb-${(sequence += 1)}`,
  ): Promise<PlacedPurchase> =>
    checkout.purchase({
      profileId: profile.id,
      lines,
      idempotencyKey: key,
      keyScope: { namespace: 'http', caller: 'test' },
      requestFingerprint: `fingerprint-${key}`,
    });
  const stockOf = async (id: number) =>
    (await catalog.list(true)).find((listed) => listed.id === id)!.stock;
  const expectLedgerSound = async () =>
    expect((await ctx.ledger.verifyInvariants()).violations).toEqual([]);

  it('places 64 concurrent orders in fewer transactions, stock and held coins exact', async () => {
    const [sword, shield, potion] = [
      await item(5, 1_000),
      await item(3, 1_000),
      await item(2),
    ];
    const buyers = await Promise.all(
      Array.from({ length: 32 }, () => ctx.createFundedProfile(100)),
    );
    const placed = await Promise.all(
      buyers.flatMap((buyer) => [
        buy(buyer, [
          { sku: sword.sku, quantity: 2 },
          { sku: potion.sku, quantity: 3 },
        ]),
        buy(buyer, [
          { sku: shield.sku, quantity: 1 },
          { sku: sword.sku, quantity: 1 },
        ]),
      ]),
    );

    expect(placed.map(({ status, total }) => [status, total])).toEqual(
      buyers.flatMap(() => [
        ['PENDING', 16],
        ['PENDING', 8],
      ]),
    );
    expect(placed[0].lines).toEqual([
      { sku: sword.sku, quantity: 2, unitPrice: 5 },
      { sku: potion.sku, quantity: 3, unitPrice: 2 },
    ]);
    const [{ writers }] = await ctx.dataSource.query<{ writers: string }[]>(
      `SELECT count(DISTINCT xmin::text) AS writers FROM purchases
        WHERE id = ANY ($1::bigint[])`,
      [placed.map(({ id }) => id)],
    );
    expect(Number(writers)).toBeLessThan(64);
    for (const buyer of buyers) {
      expect(await ctx.wallets.getWallet(buyer)).toMatchObject({
        balance: 100,
        held: 24,
        available: 76,
      });
    }
    for (const purchase of placed) {
      expect(await ctx.wallets.getHold(purchase.holdId)).toMatchObject({
        amount: purchase.total,
        status: 'PENDING',
      });
    }
    expect(await stockOf(sword.id)).toBe(1_000 - 32 * 3);
    expect(await stockOf(shield.id)).toBe(1_000 - 32);
    expect(await stockOf(potion.id)).toBeNull();
    await expectLedgerSound();
  });

  it('counts stock and coins across a batch, and answers every other order as a lone checkout does', async () => {
    const scarce = await item(4, 5);
    const limited = await item(1, undefined, 1);
    const crowd = await Promise.all(
      Array.from({ length: 8 }, () => ctx.createFundedProfile(100)),
    );
    const poor = await ctx.createFundedProfile(10);
    const replayed = await ctx.createFundedProfile(100);
    const first = await buy(
      replayed,
      [{ sku: limited.sku, quantity: 1 }],
      'cb-replayed',
    );

    const outcomes = await Promise.allSettled([
      ...crowd.map((buyer) => buy(buyer, [{ sku: scarce.sku, quantity: 1 }])),
      buy(poor, [{ sku: scarce.sku, quantity: 1 }]),
      buy(poor, [{ sku: scarce.sku, quantity: 1 }]),
      buy(poor, [{ sku: scarce.sku, quantity: 1 }]),
      buy(replayed, [{ sku: limited.sku, quantity: 1 }], 'cb-replayed'),
      buy(replayed, [{ sku: limited.sku, quantity: 1 }]),
      buy(crowd[0], [{ sku: 'CB-NO-SUCH-ITEM', quantity: 1 }]),
    ]);

    const placed = outcomes.filter(({ status }) => status === 'fulfilled');
    const refusals = outcomes.map((outcome) =>
      outcome.status === 'rejected'
        ? (outcome.reason as Error).constructor.name
        : 'placed',
    );
    // Five of scarce: to the crowd and `poor` together, `poor` at most two
    // (10 coins), each refused one out of stock or out of coins.
    const scarceSold = refusals
      .slice(0, 11)
      .filter((refusal) => refusal === 'placed').length;
    expect(scarceSold).toBe(5);
    const poorPlaced = refusals
      .slice(8, 11)
      .filter((refusal) => refusal === 'placed').length;
    expect(poorPlaced).toBeLessThanOrEqual(2);
    for (const refusal of refusals.slice(0, 11)) {
      expect(['placed', OutOfStock.name, InsufficientFunds.name]).toContain(
        refusal,
      );
    }
    expect(await stockOf(scarce.id)).toBe(0);
    expect(await ctx.wallets.getWallet(poor)).toMatchObject({
      held: 4 * poorPlaced,
    });
    // The key used before replays its purchase; the limit holds.
    expect(outcomes[11]).toMatchObject({
      status: 'fulfilled',
      value: { id: first.id, replayed: true },
    });
    expect(refusals[12]).toBe(LimitExceeded.name);
    expect(refusals[13]).toBe(ItemUnavailable.name);
    expect(placed).toHaveLength(6);
    await expectLedgerSound();
  });

  it('counts stock and coins across the orders of one call, and leaves the rest to a lone checkout', async () => {
    // Called directly: through the service, a wrong count would fail the
    // call on a CHECK and every order would go again alone, answered right.
    const batches = ctx.get(PurchaseBatches);
    const scarce = await item(4, 3);
    const cheap = await item(4, 100);
    const order = (
      profile: Profile,
      sku: string,
      key: string,
    ): CheckoutOrder => ({
      profileId: profile.id,
      lines: [{ sku, quantity: 1 }],
      expiresInSeconds: 600,
      idempotencyKey: key,
      clientIdempotencyKey: key,
      requestFingerprint: key,
    });
    const buyers = await Promise.all(
      Array.from({ length: 4 }, () => ctx.createFundedProfile(100)),
    );
    const poor = await ctx.createFundedProfile(10);

    const stock = await batches.checkOutBatch(
      buyers.map((buyer, n) => order(buyer, scarce.sku, `cum-stock-${n}`)),
      false,
    );
    const coins = await batches.checkOutBatch(
      [1, 2, 3].map((n) => order(poor, cheap.sku, `cum-coins-${n}`)),
      false,
    );

    expect(stock.map(({ outcome }) => outcome)).toEqual([
      'placed',
      'placed',
      'placed',
      'alone',
    ]);
    expect(coins.map(({ outcome }) => outcome)).toEqual([
      'placed',
      'placed',
      'alone',
    ]);
    expect(await stockOf(scarce.id)).toBe(0);
    expect(await stockOf(cheap.id)).toBe(98);
    expect(await ctx.wallets.getWallet(poor)).toMatchObject({
      balance: 10,
      held: 8,
    });
    expect(await ctx.wallets.getWallet(buyers[3])).toMatchObject({ held: 0 });
    await expectLedgerSound();
  });

  it('holds back only the orders on a locked wallet or a locked item, which go once the lock does', async () => {
    const [free, held] = [await item(1, 100), await item(1, 100)];
    const [stuck, ...others] = await Promise.all(
      Array.from({ length: 6 }, () => ctx.createFundedProfile(100)),
    );
    const locker = await openRowLocker(ctx.database.url);
    try {
      await locker.wallet(stuck.id);
      await locker.item(held.id);
      let waitingDone = 0;
      const waiting = [
        buy(stuck, [{ sku: free.sku, quantity: 1 }]),
        buy(others[0], [{ sku: held.sku, quantity: 1 }]),
      ].map((placing) =>
        placing.then((purchase) => {
          waitingDone += 1;
          return purchase;
        }),
      );
      const rest = await Promise.all(
        others.map((other) => buy(other, [{ sku: free.sku, quantity: 1 }])),
      );
      expect(rest.map(({ status }) => status)).toEqual(
        others.map(() => 'PENDING'),
      );
      expect(waitingDone).toBe(0);
      await locker.release();
      expect((await Promise.all(waiting)).map(({ status }) => status)).toEqual([
        'PENDING',
        'PENDING',
      ]);
    } finally {
      await locker.close();
    }
    expect(await stockOf(free.id)).toBe(100 - 6);
    expect(await stockOf(held.id)).toBe(100 - 1);
    await expectLedgerSound();
  });

  it("keeps a locked item's orders to one lane, so that other orders go meanwhile", async () => {
    const [free, held] = [await item(1, 100), await item(1, 100)];
    const buyers = await Promise.all(
      Array.from({ length: 4 }, () => ctx.createFundedProfile(100)),
    );
    const locker = await openRowLocker(ctx.database.url);
    try {
      await locker.item(held.id);
      let heldDone = 0;
      const waiting: Promise<PlacedPurchase>[] = [];
      // One after another, each a batch of its own, each of another buyer:
      // were each skipped order to wait in its own batch, three would take
      // every lane there is.
      for (const buyer of buyers.slice(0, 3)) {
        waiting.push(
          buy(buyer, [{ sku: held.sku, quantity: 1 }]).then((purchase) => {
            heldDone += 1;
            return purchase;
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const other = await buy(buyers[3], [{ sku: free.sku, quantity: 1 }]);
      expect(other.status).toBe('PENDING');
      expect(heldDone).toBe(0);
      await locker.release();
      expect((await Promise.all(waiting)).map(({ status }) => status)).toEqual([
        'PENDING',
        'PENDING',
        'PENDING',
      ]);
    } finally {
      await locker.close();
    }
    expect(await stockOf(free.id)).toBe(100 - 1);
    expect(await stockOf(held.id)).toBe(100 - 3);
    await expectLedgerSound();
  });

  it("does not hold other buyers' orders of an item behind a locked wallet's", async () => {
    const sold = await item(1, 100);
    const [stuck, other] = await Promise.all([
      ctx.createFundedProfile(100),
      ctx.createFundedProfile(100),
    ]);
    const walletLocker = await openRowLocker(ctx.database.url);
    const itemLocker = await openRowLocker(ctx.database.url);
    try {
      await walletLocker.wallet(stuck.id);
      let stuckDone = false;
      const waiting = buy(stuck, [{ sku: sold.sku, quantity: 1 }]).then(
        (purchase) => {
          stuckDone = true;
          return purchase;
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      // The other buyer's order is skipped on the item for a moment, and
      // goes again holding its sku: it must not queue behind the order on
      // the locked wallet, whose item it shares.
      await itemLocker.item(sold.id);
      const placing = buy(other, [{ sku: sold.sku, quantity: 1 }]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await itemLocker.release();
      expect((await placing).status).toBe('PENDING');
      expect(stuckDone).toBe(false);
      await walletLocker.release();
      expect((await waiting).status).toBe('PENDING');
    } finally {
      await walletLocker.close();
      await itemLocker.close();
    }
    expect(await stockOf(sold.id)).toBe(100 - 2);
    await expectLedgerSound();
  });
});
