// A first call that carries checkouts and confirms together fails as one
// statement; when it wrote nothing, each kind goes again on its own, so a
// checkout's failure (here its key, held by a transaction that does not
// end within the lock bound) is not its batch's confirms' too.
import { DatabaseBusy } from '../../src/database/database.errors';
import { scopedLedgerKey } from '../../src/economy';
import type { Profile } from '../../src/profiles';
import {
  CatalogService,
  CheckoutService,
  PurchaseLifecycle,
  type PlacedPurchase,
} from '../../src/shop';
import type { EconomyTestContext } from '../support/economy-test-context';
import { createShopBatchContext } from '../support/shop-batch-context';
import { openRowLocker } from '../support/row-locker';

const SCOPE = { namespace: 'http', caller: 'test' } as const;

describe('a failed first call of both kinds', () => {
  let ctx: EconomyTestContext;
  let checkout: CheckoutService;
  let lifecycle: PurchaseLifecycle;
  let sequence = 0;

  beforeAll(async () => {
    // A short lock bound: the held key fails its checkout within a second.
    ctx = await createShopBatchContext(1_000);
    checkout = ctx.get(CheckoutService);
    lifecycle = ctx.get(PurchaseLifecycle);
    await ctx.get(CatalogService).add({
      sku: 'FAIL-ITEM',
      name: 'Fail item',
      price: 3,
      stock: 1_000,
    });
  });
  afterAll(() => ctx.close());

  const buy = (
    profile: Profile,
    key = `fail-${(sequence += 1)}`,
  ): Promise<PlacedPurchase> =>
    checkout.purchase({
      profileId: profile.id,
      lines: [{ sku: 'FAIL-ITEM', quantity: 1 }],
      idempotencyKey: key,
      keyScope: SCOPE,
      requestFingerprint: `fingerprint-${key}`,
    });

  it("completes the confirms of a call whose checkout's key another transaction holds", async () => {
    const buyers = await Promise.all([
      ctx.createFundedProfile(100),
      ctx.createFundedProfile(100),
      ctx.createFundedProfile(100),
    ]);
    const pending: PlacedPurchase[] = [];
    for (const buyer of buyers) {
      pending.push(await buy(buyer));
    }
    const [holder, blocked] = await Promise.all([
      ctx.createFundedProfile(100),
      ctx.createFundedProfile(100),
    ]);
    const locker = await openRowLocker(ctx.database.url);
    try {
      await locker.purchaseKey(holder.id, scopedLedgerKey(SCOPE, 'held-key'));

      // The first goes alone; the rest queue behind it, one batch of both
      // kinds, whose checkout waits for the held key past the bound.
      const [, ...outcomes] = await Promise.allSettled([
        lifecycle.confirm(pending[0].id),
        lifecycle.confirm(pending[1].id),
        buy(blocked, 'held-key'),
        lifecycle.confirm(pending[2].id),
      ]);

      expect(outcomes[0]).toMatchObject({
        status: 'fulfilled',
        value: { status: 'COMPLETED' },
      });
      expect(outcomes[2]).toMatchObject({
        status: 'fulfilled',
        value: { status: 'COMPLETED' },
      });
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(
        DatabaseBusy,
      );
    } finally {
      await locker.release();
      await locker.close();
    }
    expect(await ctx.wallets.getWallet(blocked)).toMatchObject({
      balance: 100,
      held: 0,
    });
    expect((await ctx.ledger.verifyInvariants()).violations).toEqual([]);
  });
});
