import type { Profile } from '../../src/profiles';
import { InsufficientFunds } from '../../src/economy/economy.errors';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import { ledgerRowCount } from '../support/ledger-queries';
import { handWalletTo } from '../support/wallet-tampering';

/*
 * A database restored from a backup (or a replica promoted) under a running
 * service may hand a wallet id the service saw before to another profile's
 * wallet. Nothing of the service may then touch the wrong wallet: every
 * statement finds a wallet by its profile, never by an id remembered from
 * before. These tests make that happen by hand: the trigger that keeps a
 * wallet's profile fixed is switched off for one update.
 */
describe('a wallet that now belongs to another profile (a restored database)', () => {
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext();
  });
  afterAll(() => ctx.close());

  /** `holder` had a wallet of 100 coins, seen by the service; it now belongs to `other`. */
  const reassignedWallet = async () => {
    const [holder, other, third] = await ctx.createProfiles(3);
    const { walletId } = await ctx.wallets.credit(holder, 100, {
      reason: 'WINNER',
    });
    await ctx.wallets.credit(third, 50, { reason: 'WINNER' });
    expect(await ctx.wallets.getTransactionHistory(holder)).toHaveLength(1);
    await handWalletTo(ctx.database, walletId, other.id);
    return { holder, other, third, walletId };
  };

  const untouched = async (walletId: number) => {
    const [row] = await ctx.dataSource.query<
      { cached_balance: string; allow_overdraft: boolean }[]
    >('SELECT cached_balance, allow_overdraft FROM wallets WHERE id = $1', [
      walletId,
    ]);
    expect(row).toEqual({ cached_balance: '100', allow_overdraft: false });
    expect(await ledgerRowCount(ctx.dataSource, [walletId])).toBe(1);
  };

  const cases: [
    string,
    (s: { holder: Profile; third: Profile }) => Promise<unknown>,
  ][] = [
    [
      'a credit',
      ({ holder }) => ctx.wallets.credit(holder, 5, { reason: 'WINNER' }),
    ],
    [
      'a keyed credit',
      ({ holder }) =>
        ctx.wallets.credit(holder, 5, {
          reason: 'WINNER',
          idempotencyKey: `restored-${holder.id}`,
        }),
    ],
    [
      'a batch of keyed credits',
      ({ holder, third }) =>
        ctx.wallets.creditAll(
          [holder, third].map((profile) => ({
            profileId: profile.id,
            amount: 5,
            reason: 'WINNER' as const,
            idempotencyKey: `restored-batch-${profile.id}`,
          })),
          (results) => Promise.resolve(results),
        ),
    ],
    [
      'a transfer into it',
      ({ holder, third }) => ctx.wallets.transfer(third, holder, 5),
    ],
  ];

  it.each(cases)(
    "%s pays the holder's own new wallet at once, never the other profile's",
    async (_, call) => {
      const { holder, third, walletId } = await reassignedWallet();
      await call({ holder, third });
      const own = await ctx.wallets.getWallet(holder);
      expect(own.walletId).not.toBe(walletId);
      expect(own.balance).toBe(5);
      await untouched(walletId);
    },
  );

  it('an overdraft change sets the holder’s own wallet', async () => {
    const { holder, walletId } = await reassignedWallet();
    const own = await ctx.wallets.setOverdraft(holder, true);
    expect(own.walletId).not.toBe(walletId);
    expect(own.allowOverdraft).toBe(true);
    await untouched(walletId);
  });

  it('a debit or a transfer out finds no wallet to pay from', async () => {
    for (const call of [
      (holder: Profile) => ctx.wallets.debit(holder, 5, { reason: 'PURCHASE' }),
      (holder: Profile, third: Profile) =>
        ctx.wallets.transfer(holder, third, 5),
    ]) {
      const { holder, third, walletId } = await reassignedWallet();
      await expect(call(holder, third)).rejects.toBeInstanceOf(
        InsufficientFunds,
      );
      await untouched(walletId);
      expect(await ctx.wallets.getBalance(third)).toBe(50);
    }
  });

  it('a history page shows none of the other profile’s movements', async () => {
    const { holder, walletId } = await reassignedWallet();
    expect(await ctx.wallets.getTransactionHistory(holder)).toEqual([]);
    expect(
      await ctx.wallets.getTransactionHistory(holder, { cursor: 1e9 }),
    ).toEqual([]);
    await untouched(walletId);
  });
});
