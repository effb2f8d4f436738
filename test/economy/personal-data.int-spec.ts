import { CapturingLogger } from '../support/capturing-logger';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

describe('personal data', () => {
  const logger = new CapturingLogger();
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({ logger });
  });
  afterAll(() => ctx.close());

  it('never reaches logs or error messages: ids only', async () => {
    const [a, b] = await ctx.createProfiles(2);
    const messages: string[] = [];
    const attempt = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        messages.push((error as Error).message);
      }
    };
    const { walletId } = await ctx.wallets.credit(a, 100, {
      reason: 'WINNER',
      idempotencyKey: `pd-${a.id}`,
    });
    await ctx.wallets.credit(a, 100, {
      reason: 'WINNER',
      idempotencyKey: `pd-${a.id}`,
    });
    await ctx.wallets.transfer(a, b, 30);
    await ctx.wallets.setOverdraft(b, true);
    await ctx.dataSource.query(
      'UPDATE wallets SET cached_balance = 1 WHERE id = $1',
      [walletId],
    );
    await ctx.ledger.recalcWallet(walletId);
    await attempt(() => ctx.wallets.debit(a, 10_000, { reason: 'PURCHASE' }));
    await attempt(() =>
      ctx.wallets.credit(b, 1, {
        reason: 'WINNER',
        idempotencyKey: `pd-${a.id}`,
      }),
    );
    await attempt(() => ctx.wallets.transfer(a, a, 1));
    await attempt(() => ctx.wallets.getBalance(987_654_000));

    expect(messages).toHaveLength(4);
    // The capture works: the movements were logged, by wallet id.
    expect(logger.text()).toContain(`wallet ${walletId}`);
    for (const text of [logger.text(), ...messages]) {
      for (const profile of [a, b]) {
        expect(text).not.toContain(profile.username);
        expect(text).not.toContain(profile.email);
      }
    }
  });
});
