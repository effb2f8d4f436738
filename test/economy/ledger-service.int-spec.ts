import {
  InvalidRequest,
  InvalidWallet,
  LedgerInconsistent,
} from '../../src/economy/economy.errors';
import {
  InvariantViolationKind,
  type WalletDrift,
} from '../../src/economy/reconciliation/ledger.types';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

describe('LedgerService', () => {
  let ctx: EconomyTestContext;

  // Each test starts from a clean ledger: the checks look at every wallet.
  beforeEach(async () => {
    ctx = await createEconomyTestContext({ poolSize: 12 });
  });
  afterEach(() => ctx.close());

  async function fundedWallets(
    count: number,
    balance = 100,
  ): Promise<number[]> {
    const profiles = await ctx.createProfiles(count);
    const ids: number[] = [];
    for (const profile of profiles) {
      ids.push(
        (await ctx.wallets.credit(profile, balance, { reason: 'WINNER' }))
          .walletId,
      );
    }
    return ids;
  }

  async function injectDrift(walletId: number, cached: number): Promise<void> {
    await ctx.dataSource.query(
      'UPDATE wallets SET cached_balance = $2 WHERE id = $1',
      [walletId, cached],
    );
  }

  async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
    const items: T[] = [];
    for await (const item of source) {
      items.push(item);
    }
    return items;
  }

  describe('findDrift', () => {
    it('finds exactly the drifted wallets across many batches', async () => {
      const ids = await fundedWallets(23);
      const emptyProfile = await ctx.createProfile();
      await ctx.wallets.setOverdraft(emptyProfile, true);
      await injectDrift(ids[0], 101);
      await injectDrift(ids[11], 0);
      await injectDrift(ids[22], 250);

      const drifts = await collect(ctx.ledger.findDrift({ batchSize: 4 }));
      expect(drifts).toEqual<WalletDrift[]>([
        { walletId: ids[0], cached: 101, ledger: 100n, drift: 1n },
        { walletId: ids[11], cached: 0, ledger: 100n, drift: -100n },
        { walletId: ids[22], cached: 250, ledger: 100n, drift: 150n },
      ]);

      const batches = await collect(ctx.ledger.scanDrift({ batchSize: 4 }));
      expect(batches.reduce((sum, batch) => sum + batch.checked, 0)).toBe(24);
      expect(batches.length).toBe(6);
    });

    it('reports drift of an overdrawn wallet and of a wallet with no ledger rows', async () => {
      const [overdrawn, empty] = await ctx.createProfiles(2);
      await ctx.wallets.setOverdraft(overdrawn, true);
      const { walletId } = await ctx.wallets.debit(overdrawn, 40, {
        reason: 'PURCHASE',
      });
      const emptyWallet = await ctx.wallets.setOverdraft(empty, true);
      await injectDrift(walletId, -10);
      await injectDrift(emptyWallet.walletId!, -5);
      expect(await collect(ctx.ledger.findDrift())).toEqual([
        { walletId, cached: -10, ledger: -40n, drift: 30n },
        { walletId: emptyWallet.walletId, cached: -5, ledger: 0n, drift: -5n },
      ]);
    });

    it('reports, exactly, a ledger summing beyond 2^53 written behind its back, and every other drift', async () => {
      const [corrupt, drifted] = await fundedWallets(2);
      // INSERT is how corruption arrives: the ledger only refuses changes.
      await ctx.dataSource.query(
        `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
         VALUES ($1, $2, $2, 'MANUAL_ADJUST')`,
        [corrupt, Number.MAX_SAFE_INTEGER],
      );
      await injectDrift(drifted, 99);
      const ledger = 2n ** 53n - 1n + 100n;
      expect(await collect(ctx.ledger.findDrift())).toEqual([
        { walletId: corrupt, cached: 100, ledger, drift: 100n - ledger },
        { walletId: drifted, cached: 99, ledger: 100n, drift: -1n },
      ]);
      const report = await ctx.ledger.verifyInvariants();
      expect(report.ok).toBe(false);
      expect(report.violations).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            kind: InvariantViolationKind.BalanceDrift,
            walletId: corrupt,
            detail: `cached 100, ledger ${ledger}`,
          }),
        ]),
      );
      await expect(ctx.ledger.recalcWallet(corrupt)).rejects.toBeInstanceOf(
        LedgerInconsistent,
      );
    });

    it('finds nothing in an empty or a consistent ledger', async () => {
      expect(await collect(ctx.ledger.scanDrift())).toEqual([]);
      await fundedWallets(3);
      expect(await collect(ctx.ledger.findDrift())).toEqual([]);
    });

    it('rejects a batch size out of range and a malformed starting point', async () => {
      await expect(
        collect(ctx.ledger.scanDrift({ batchSize: 0 })),
      ).rejects.toBeInstanceOf(InvalidRequest);
      await expect(
        collect(ctx.ledger.scanDrift({ afterWalletId: Number.NaN })),
      ).rejects.toBeInstanceOf(InvalidRequest);
    });
  });

  describe('recalcWallet', () => {
    it('rejects an unknown or malformed wallet id', async () => {
      await expect(ctx.ledger.recalcWallet(424_242)).rejects.toBeInstanceOf(
        InvalidWallet,
      );
      await expect(ctx.ledger.recalcWallet(-1)).rejects.toBeInstanceOf(
        InvalidWallet,
      );
    });

    it('never disturbs coins moving while it recalculates, and corrects drift', async () => {
      const ids = await fundedWallets(6, 1_000);
      const profiles: { id: number }[] = await ctx.dataSource.query(
        'SELECT profile_id::int AS id FROM wallets WHERE id = ANY($1) ORDER BY id',
        [ids],
      );
      // Wallet 0 drifts and moves nothing (a movement on a drifted wallet
      // would chain its balance_after to the wrong cached balance); wallets
      // 1 to 5 move coins all along while each is recalculated many times.
      await injectDrift(ids[0], 5);
      const movers = profiles.slice(1);
      const transfers = Array.from({ length: 150 }, (_, i) =>
        ctx.wallets.transfer(
          movers[i % 5].id,
          movers[(i + 1 + (i % 4)) % 5].id,
          1 + (i % 7),
        ),
      );
      const recalcs = Array.from({ length: 40 }, (_, i) =>
        ctx.ledger.recalcWallet(ids[i % 6]),
      );
      const outcomes = await Promise.allSettled([...transfers, ...recalcs]);
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      expect(await ctx.ledger.verifyInvariants()).toMatchObject({
        ok: true,
        violations: [],
      });
      expect(await ctx.wallets.getBalance(profiles[0].id)).toBe(1_000);
      const [{ total }]: { total: string }[] = await ctx.dataSource.query(
        'SELECT sum(cached_balance) AS total FROM wallets',
      );
      expect(Number(total)).toBe(6_000);
    });

    it('refuses to store a ledger sum the wallet constraints forbid', async () => {
      const [walletId] = await fundedWallets(1, 10);
      // A tampered ledger: rows summing below zero on a wallet without overdraft.
      await ctx.dataSource.query(
        `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
         VALUES ($1, -30, -20, 'PURCHASE')`,
        [walletId],
      );
      const attempt = ctx.ledger.recalcWallet(walletId);
      await expect(attempt).rejects.toBeInstanceOf(LedgerInconsistent);
      await expect(attempt).rejects.toMatchObject({
        code: 'LEDGER_INCONSISTENT',
      });
      const [{ cached_balance }]: { cached_balance: string }[] =
        await ctx.dataSource.query(
          'SELECT cached_balance FROM wallets WHERE id = $1',
          [walletId],
        );
      expect(cached_balance).toBe('10');
    });
  });

  describe('verifyInvariants', () => {
    it('fails with the first failing check and leaves no failure unhandled', async () => {
      await fundedWallets(2);
      const unhandled = jest.fn();
      process.on('unhandledRejection', unhandled);
      const query = ctx.dataSource.query.bind(ctx.dataSource);
      // Two checks fail at once, the one before them slower than either.
      const spy = jest
        .spyOn(ctx.dataSource, 'query')
        .mockImplementation(async (sql: string, parameters?: unknown) => {
          if (sql.includes('GROUP BY transfer_id')) {
            throw new Error('transfer check failed');
          }
          if (sql.includes('lag(balance_after')) {
            throw new Error('chain check failed');
          }
          if (sql.includes('NOT allow_overdraft')) {
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          return query(sql, parameters as unknown[] | undefined);
        });
      try {
        await expect(ctx.ledger.verifyInvariants()).rejects.toThrow(
          /check failed/,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(unhandled).not.toHaveBeenCalled();
      } finally {
        spy.mockRestore();
        process.off('unhandledRejection', unhandled);
      }
    });

    it('is clean for a ledger written by the services', async () => {
      const [funded] = await ctx.createProfiles(1);
      await fundedWallets(3);
      const [receiver] = await ctx.createProfiles(1);
      await ctx.wallets.credit(funded, 100, { reason: 'WINNER' });
      await ctx.wallets.transfer(funded, receiver, 30);
      expect(await ctx.ledger.verifyInvariants()).toEqual({
        ok: true,
        walletsChecked: 5,
        violations: [],
        truncated: false,
      });
    });

    it('reports every kind of violation by id', async () => {
      const [driftedId, negativeId, chainId] = await fundedWallets(3);
      await injectDrift(driftedId, 7);

      // Tampering the checks would otherwise refuse, in this throwaway
      // database: the owner lifts them (the service's role may not).
      await ctx.database.asOwner(async (owner) => {
        await owner.query(
          'ALTER TABLE wallets DROP CONSTRAINT wallets_overdraft_check',
        );
        await owner.query(
          'ALTER TABLE wallet_transactions DISABLE TRIGGER wallet_transactions_transfer_balanced',
        );
      });
      await ctx.dataSource.query(
        `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
         VALUES ($1, -150, -50, 'PURCHASE')`,
        [negativeId],
      );
      await injectDrift(negativeId, -50);

      const [{ id: transferId }]: { id: string }[] = await ctx.dataSource.query(
        `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, transfer_id)
         VALUES ($1, 10, 110, 'TRANSFER_IN', nextval('wallet_transfer_id_seq'))
         RETURNING transfer_id AS id`,
        [chainId],
      );
      const [{ id: brokenRowId }]: { id: string }[] =
        await ctx.dataSource.query(
          `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
         VALUES ($1, 5, 500, 'WINNER') RETURNING id`,
          [chainId],
        );
      await injectDrift(chainId, 115);

      const report = await ctx.ledger.verifyInvariants();
      expect(report.ok).toBe(false);
      expect(report.truncated).toBe(false);
      expect(report.violations).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            kind: InvariantViolationKind.BalanceDrift,
            walletId: driftedId,
          }),
          expect.objectContaining({
            kind: InvariantViolationKind.NegativeWithoutOverdraft,
            walletId: negativeId,
          }),
          expect.objectContaining({
            kind: InvariantViolationKind.UnbalancedTransfer,
            transferId: Number(transferId),
          }),
          expect.objectContaining({
            kind: InvariantViolationKind.BrokenBalanceChain,
            walletId: chainId,
            transactionId: Number(brokenRowId),
          }),
        ]),
      );
      expect(report.violations).toHaveLength(4);
    });

    it('lists at most 1000 violations of a kind and says it truncated', async () => {
      await ctx.dataSource.query(
        `WITH p AS (
           INSERT INTO profiles (username, email)
           SELECT 'bulk-' || n, 'bulk-' || n || '@example.test'
             FROM generate_series(1, 1001) AS n
           RETURNING id
         )
         INSERT INTO wallets (profile_id, cached_balance) SELECT id, 3 FROM p`,
      );
      const report = await ctx.ledger.verifyInvariants();
      expect(report.walletsChecked).toBe(1001);
      expect(report.violations).toHaveLength(1000);
      expect(report.truncated).toBe(true);
    });
  });
});
