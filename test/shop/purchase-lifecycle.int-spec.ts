import { InsufficientFunds, UnknownProfile } from '../../src/economy';
import {
  CatalogService,
  CheckoutService,
  PurchaseLifecycle,
  ShopModule,
  type NewItem,
} from '../../src/shop';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

/**
 * The purchase lifecycle against holds the holds API settled first, on a
 * pool of one connection: a step that asked the pool for a second
 * connection inside its transaction would wait forever, and the test with it.
 */
describe('purchase lifecycle after the holds API acted', () => {
  let ctx: EconomyTestContext;
  let catalog: CatalogService;
  let checkout: CheckoutService;
  let lifecycle: PurchaseLifecycle;
  let sequence = 0;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({
      poolSize: 1,
      modules: [ShopModule],
    });
    catalog = ctx.get(CatalogService);
    checkout = ctx.get(CheckoutService);
    lifecycle = ctx.get(PurchaseLifecycle);
  });
  afterAll(() => ctx.close());

  const item = (fields: Partial<NewItem> = {}) => {
    sequence += 1;
    return catalog.add({
      sku: `LIFE-${sequence}`,
      name: `item ${sequence}`,
      price: 30,
      ...fields,
    });
  };
  const buy = (profileId: number, sku: string, quantity: number) => {
    sequence += 1;
    return checkout.purchase({
      profileId,
      lines: [{ sku, quantity }],
      idempotencyKey: `life-${sequence}`,
      keyScope: { namespace: 'http', caller: 'test' },
      requestFingerprint: `fingerprint-${sequence}`,
    });
  };
  const stockOf = async (id: number) =>
    (await catalog.list(true)).find((listed) => listed.id === id)!.stock;

  it('cancels a purchase whose hold was released already: stock back, nothing moved twice', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const limited = await item({ stock: 5 });
    const purchase = await buy(buyer.id, limited.sku, 3);
    expect(await stockOf(limited.id)).toBe(2);
    await ctx.wallets.release(purchase.holdId);

    const cancelled = await lifecycle.cancel(purchase.id);

    expect(cancelled.status).toBe('CANCELLED');
    expect(await stockOf(limited.id)).toBe(5);
    expect(await ctx.wallets.getWallet(buyer)).toMatchObject({
      balance: 100,
      held: 0,
      available: 100,
    });
  });

  it('refunds what the holds API captured, not the purchase total', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const limited = await item({ stock: 5 });
    const purchase = await buy(buyer.id, limited.sku, 3);
    expect(purchase.total).toBe(90);
    await ctx.wallets.capture(purchase.holdId, { amount: 30 });

    const completed = await lifecycle.confirm(purchase.id);
    expect(completed.status).toBe('COMPLETED');
    expect((await ctx.wallets.getWallet(buyer)).balance).toBe(70);

    const refunded = await lifecycle.refund(purchase.id);

    expect(refunded.status).toBe('REFUNDED');
    expect(await ctx.wallets.getWallet(buyer)).toMatchObject({
      balance: 100,
      held: 0,
    });
    const history = await ctx.wallets.getTransactionHistory(buyer);
    expect(history[0]).toMatchObject({ reason: 'REFUND', amount: 30 });
    expect(await stockOf(limited.id)).toBe(5);
    expect(await ctx.ledger.verifyInvariants()).toMatchObject({
      ok: true,
      violations: [],
    });
  });

  it('refuses a limited item to a profile without a wallet as insufficient funds, and an unknown profile as unknown', async () => {
    const limited = await item({ stock: 5, perProfileLimit: 2 });
    const walletless = await ctx.createProfile();

    await expect(buy(walletless.id, limited.sku, 1)).rejects.toBeInstanceOf(
      InsufficientFunds,
    );
    await expect(buy(2_000_000_000, limited.sku, 1)).rejects.toBeInstanceOf(
      UnknownProfile,
    );
    expect(await stockOf(limited.id)).toBe(5);
  });

  it('returns no stock it never took: an item unlimited at checkout and counted later keeps its count', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const unlimited = await item({ stock: null });
    const purchase = await buy(buyer.id, unlimited.sku, 2);
    await catalog.update(unlimited.id, { stock: 5 });

    await lifecycle.cancel(purchase.id);

    expect(await stockOf(unlimited.id)).toBe(5);
    expect((await ctx.wallets.getWallet(buyer)).held).toBe(0);
  });

  it('returns the stock a refund takes back only for what checkout counted', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const unlimited = await item({ stock: null });
    const purchase = await buy(buyer.id, unlimited.sku, 1);
    await lifecycle.confirm(purchase.id);
    await catalog.update(unlimited.id, { stock: 0 });

    await lifecycle.refund(purchase.id);

    expect(await stockOf(unlimited.id)).toBe(0);
    expect((await ctx.wallets.getWallet(buyer)).balance).toBe(100);
  });
});
