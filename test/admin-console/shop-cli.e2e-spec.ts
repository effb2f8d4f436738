// The console's shop commands as automation runs them (a real child process
// on a real database): items added, changed and listed; a purchase shown and
// refunded; pending purchases and holds past their expiry swept at once.
import { CheckoutService, PurchaseLifecycle, ShopModule } from '../../src/shop';
import type { Profile } from '../../src/profiles';
import { runCli, type CliRun } from '../support/cli-process';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('admin console: shop, purchase, holds', () => {
  let ctx: EconomyTestContext;
  let env: Record<string, string>;
  let buyer: Profile;
  let keys = 0;
  const outputs: CliRun[] = [];

  const cli = async (...args: string[]): Promise<CliRun> => {
    const run = await runCli(args, env);
    outputs.push(run);
    return run;
  };
  const buy = (sku: string, quantity: number, expiresInSeconds?: number) =>
    ctx.get(CheckoutService).purchase({
      profileId: buyer.id,
      lines: [{ sku, quantity }],
      expiresInSeconds,
      idempotencyKey: `cli-${++keys}`,
      keyScope: { namespace: 'http', caller: 'test' },
      requestFingerprint: `cli-${keys}`,
    });
  const stockOf = async (sku: string): Promise<number | null> => {
    const [{ stock }]: { stock: number | null }[] = await ctx.dataSource.query(
      'SELECT stock FROM shop_items WHERE sku = $1',
      [sku],
    );
    return stock;
  };

  beforeAll(async () => {
    ctx = await createEconomyTestContext({
      poolSize: 6,
      modules: [ShopModule],
    });
    env = {
      DATABASE_URL: ctx.database.url,
      JWT_SECRET: 'x'.repeat(40),
      LOG_LEVEL: 'error',
    };
    buyer = await ctx.createProfile();
    await ctx.wallets.credit(buyer, 1000, { reason: 'WINNER' });
  });
  afterAll(() => ctx.close());

  it('adds, changes and lists items; a taken sku or a bad value exits 2 with nothing written', async () => {
    const added = await cli(
      'shop',
      'item',
      'add',
      '--sku',
      'cli-cape',
      '--name',
      'Cape',
      '--price',
      '25',
      '--stock',
      '3',
      '--limit',
      '2',
      '--json',
    );
    expect(added.code).toBe(0);
    const item = JSON.parse(added.stdout) as { id: number };
    expect(item).toEqual({
      id: expect.any(Number) as number,
      sku: 'cli-cape',
      name: 'Cape',
      price: 25,
      stock: 3,
      perProfileLimit: 2,
      active: true,
    });
    const taken = await cli(
      'shop',
      'item',
      'add',
      '--sku',
      'cli-cape',
      '--price',
      '9',
    );
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('error SKU_TAKEN');
    const badPrice = await cli(
      'shop',
      'item',
      'add',
      '--sku',
      'cli-x',
      '--price',
      '0',
    );
    expect(badPrice.code).toBe(2);
    const updated = await cli(
      'shop',
      'item',
      'update',
      '--id',
      String(item.id),
      '--price',
      '30',
      '--stock',
      'unlimited',
      '--limit',
      'none',
      '--active',
      'no',
    );
    expect([updated.code, updated.stdout.trim()]).toEqual([
      0,
      `item ${item.id} sku=cli-cape price=30 stock=unlimited limit=none active=no`,
    ]);
    const unknown = await cli(
      'shop',
      'item',
      'update',
      '--id',
      '987654',
      '--price',
      '1',
    );
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      expect.stringContaining('ITEM_NOT_FOUND'),
    ]);
    const listed = await cli('shop', 'item', 'list', '--json');
    expect(JSON.parse(listed.stdout)).toEqual({
      items: [expect.objectContaining({ sku: 'cli-cape', active: false })],
    });
    const [{ count }]: { count: string }[] = await ctx.dataSource.query(
      'SELECT count(*) FROM shop_items',
    );
    expect(Number(count)).toBe(1);
  });

  it('shows a purchase, refunds it once completed, and refuses to refund one that is not', async () => {
    await runCli(
      [
        'shop',
        'item',
        'add',
        '--sku',
        'cli-gem',
        '--price',
        '40',
        '--stock',
        '10',
      ],
      env,
    );
    const pending = await buy('cli-gem', 2);
    const notYet = await cli('purchase', 'refund', '--id', String(pending.id));
    expect([notYet.code, notYet.stderr]).toEqual([
      2,
      expect.stringContaining('error PURCHASE_STATE'),
    ]);
    await ctx.get(PurchaseLifecycle).confirm(pending.id);
    expect(await ctx.wallets.getBalance(buyer)).toBe(920);
    const shown = await cli('purchase', 'show', '--id', String(pending.id));
    expect(shown.code).toBe(0);
    expect(shown.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^purchase ${pending.id} profile ${buyer.id} status=COMPLETED total=80 hold ${pending.holdId} transaction=\\d+ refund=none$`,
        ),
      ),
      'line sku=cli-gem quantity=2 unit_price=40',
    ]);
    const refunded = await cli(
      'purchase',
      'refund',
      '--id',
      String(pending.id),
      '--json',
    );
    expect(refunded.code).toBe(0);
    expect(JSON.parse(refunded.stdout)).toMatchObject({
      id: pending.id,
      status: 'REFUNDED',
      refundTransactionId: expect.any(Number) as number,
    });
    const again = await cli(
      'purchase',
      'refund',
      '--id',
      String(pending.id),
      '--json',
    );
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(refunded.stdout));
    expect(await ctx.wallets.getBalance(buyer)).toBe(1000);
    expect(await stockOf('cli-gem')).toBe(10);
    const missing = await cli('purchase', 'show', '--id', '987654');
    expect([missing.code, missing.stderr]).toEqual([
      2,
      expect.stringContaining('PURCHASE_NOT_FOUND'),
    ]);
  });

  it('expires pending purchases and holds past their expiry at once: coins released, stock returned', async () => {
    await runCli(
      [
        'shop',
        'item',
        'add',
        '--sku',
        'cli-orb',
        '--price',
        '5',
        '--stock',
        '4',
      ],
      env,
    );
    const purchase = await buy('cli-orb', 3, 1);
    const hold = await ctx.wallets.hold(buyer, 50, {
      reason: 'MANUAL_ADJUST',
      expiresInSeconds: 1,
    });
    expect((await ctx.wallets.getWallet(buyer)).held).toBe(65);
    await sleep(1100);
    const swept = await cli('holds', 'expire', '--json');
    expect([swept.code, JSON.parse(swept.stdout)]).toEqual([
      0,
      { purchases: 1, holds: 1 },
    ]);
    expect((await ctx.wallets.getWallet(buyer)).held).toBe(0);
    expect(await stockOf('cli-orb')).toBe(4);
    expect((await ctx.wallets.getHold(hold.holdId)).status).toBe('EXPIRED');
    expect(
      await ctx
        .get(PurchaseLifecycle)
        .cancel(purchase.id)
        .catch((e: Error) => e),
    ).toMatchObject({ code: 'PURCHASE_STATE' });
    const nothing = await cli('holds', 'expire');
    expect([nothing.code, nothing.stdout.trim()]).toEqual([
      0,
      'expired 0 purchases and 0 other holds',
    ]);
  });

  it('never prints a username or an email', () => {
    const printed = outputs.map((run) => run.stdout + run.stderr).join('\n');
    expect(printed).not.toContain(buyer.username);
    expect(printed).not.toContain(buyer.email);
  });
});
