import type { Profile } from '../../src/economy/entities';
import {
  InsufficientFunds,
  InvalidWallet,
} from '../../src/economy/errors/economy.errors';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import { ledgerRowCount } from '../support/ledger-queries';
import { handWalletTo } from '../support/wallet-tampering';

/*
 * The service caches each profile's wallet id. A database restored from a
 * backup (or a replica promoted) may give a cached id to another profile's
 * new wallet; no movement, page or flag may then touch that wallet. These
 * tests make that happen by hand: the triggers that keep a wallet's profile
 * fixed are switched off for one update.
 */
describe('a cached wallet id that now names another profile’s wallet', () => {
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext();
  });
  afterAll(() => ctx.close());

  /** `holder` had a wallet of 100 coins, cached; it now belongs to `other`. */
  const staleWallet = async () => {
    const [holder, other, third] = await ctx.createProfiles(3);
    const { walletId } = await ctx.wallets.credit(holder, 100, {
      reason: 'WINNER',
    });
    await ctx.wallets.credit(third, 50, { reason: 'WINNER' });
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
          idempotencyKey: `stale-${holder.id}`,
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
            idempotencyKey: `stale-batch-${profile.id}`,
          })),
          (results) => Promise.resolve(results),
        ),
    ],
    [
      'a transfer into it',
      ({ holder, third }) => ctx.wallets.transfer(third, holder, 5),
    ],
    [
      'an overdraft change',
      ({ holder }) => ctx.wallets.setOverdraft(holder, true),
    ],
  ];

  it.each(cases)(
    '%s refuses it, moves nothing, and succeeds when retried, on a wallet of its own',
    async (_, call) => {
      const { holder, third, walletId } = await staleWallet();
      await expect(call({ holder, third })).rejects.toBeInstanceOf(
        InvalidWallet,
      );
      await untouched(walletId);
      expect(await ctx.wallets.getBalance(third)).toBe(50);

      await call({ holder, third });
      const own = await ctx.wallets.getWallet(holder);
      expect(own.walletId).not.toBe(walletId);
      await untouched(walletId);
    },
  );

  it('a debit or a transfer out refuses it, and a retry finds no wallet to pay from', async () => {
    for (const call of [
      (holder: Profile) => ctx.wallets.debit(holder, 5, { reason: 'PURCHASE' }),
      (holder: Profile, third: Profile) =>
        ctx.wallets.transfer(holder, third, 5),
    ]) {
      const { holder, third, walletId } = await staleWallet();
      await expect(call(holder, third)).rejects.toBeInstanceOf(InvalidWallet);
      await expect(call(holder, third)).rejects.toBeInstanceOf(
        InsufficientFunds,
      );
      await untouched(walletId);
      expect(await ctx.wallets.getBalance(third)).toBe(50);
    }
  });

  it('a history page shows none of the other profile’s movements', async () => {
    const { holder, walletId } = await staleWallet();
    expect(await ctx.wallets.getTransactionHistory(holder)).toEqual([]);
    expect(
      await ctx.wallets.getTransactionHistory(holder, { cursor: 1e9 }),
    ).toEqual([]);
    await untouched(walletId);
  });
});
