import {
  EconomyError,
  EconomyErrorCode,
  IdempotencyConflict,
  InsufficientFunds,
  InvalidAmount,
  InvalidRequest,
  InvalidWallet,
} from '../../src/economy/economy.errors';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import { ledgerRowCount, walletCount } from '../support/ledger-queries';

describe('WalletService', () => {
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext();
  });
  afterAll(() => ctx.close());

  describe('credit', () => {
    it('creates the wallet on first credit and returns the movement', async () => {
      const profile = await ctx.createProfile();
      expect(await ctx.wallets.getWallet(profile)).toEqual({
        profileId: profile.id,
        walletId: null,
        balance: 0,
        held: 0,
        available: 0,
        allowOverdraft: false,
      });

      const first = await ctx.wallets.credit(profile, 120, {
        reason: 'PARTICIPATION',
        meta: { tournamentId: 7 },
      });
      const second = await ctx.wallets.credit(profile.id, 30, {
        reason: 'WINNER',
      });

      expect(first).toEqual({
        walletId: expect.any(Number),
        balanceAfter: 120,
        transactionId: expect.any(Number),
        idempotencyKey: null,
        replayed: false,
      });
      expect(second.walletId).toBe(first.walletId);
      expect(second.balanceAfter).toBe(150);
      expect(second.transactionId).toBeGreaterThan(first.transactionId);
      expect(await ctx.wallets.getBalance(profile)).toBe(150);
      const [latest, earliest] =
        await ctx.wallets.getTransactionHistory(profile);
      expect(earliest).toMatchObject({
        id: first.transactionId,
        amount: 120,
        balanceAfter: 120,
        reason: 'PARTICIPATION',
        idempotencyKey: null,
        meta: { tournamentId: 7 },
      });
      expect(earliest.createdAt).toBeInstanceOf(Date);
      expect(latest).toMatchObject({ amount: 30, reason: 'WINNER', meta: {} });
    });

    it('rejects an unknown profile without creating anything', async () => {
      const before = await walletCount(ctx.dataSource);
      await expect(
        ctx.wallets.credit(987_654_321, 10, { reason: 'PARTICIPATION' }),
      ).rejects.toBeInstanceOf(InvalidWallet);
      expect(await walletCount(ctx.dataSource)).toBe(before);
    });

    it.each([
      ['zero', 0],
      ['negative', -5],
      ['fractional', 1.5],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['beyond MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER + 1],
      ['a numeric string', '10'],
      ['a bigint', BigInt(10)],
      ['null', null],
      ['undefined', undefined],
    ])('rejects an amount that is %s before writing', async (_, amount) => {
      const profile = await ctx.createProfile();
      await expect(
        ctx.wallets.credit(profile, amount as number, { reason: 'WINNER' }),
      ).rejects.toBeInstanceOf(InvalidAmount);
      await expect(
        ctx.wallets.debit(profile, amount as number, { reason: 'PURCHASE' }),
      ).rejects.toBeInstanceOf(InvalidAmount);
      const other = await ctx.createProfile();
      await expect(
        ctx.wallets.transfer(profile, other, amount as number),
      ).rejects.toBeInstanceOf(InvalidAmount);
      expect(await ctx.wallets.getWallet(profile)).toMatchObject({
        walletId: null,
      });
    });

    it('refuses a credit that would take the balance beyond MAX_SAFE_INTEGER', async () => {
      const profile = await ctx.createProfile();
      const full = await ctx.wallets.credit(profile, Number.MAX_SAFE_INTEGER, {
        reason: 'MANUAL_ADJUST',
      });
      expect(full.balanceAfter).toBe(Number.MAX_SAFE_INTEGER);

      const attempt = ctx.wallets.credit(profile, 1, { reason: 'WINNER' });
      await expect(attempt).rejects.toBeInstanceOf(InvalidAmount);
      await expect(attempt).rejects.toThrow(/overflow/);
      expect(await ctx.wallets.getBalance(profile)).toBe(
        Number.MAX_SAFE_INTEGER,
      );
      expect(await ledgerRowCount(ctx.dataSource, [full.walletId])).toBe(1);
    });

    it.each([
      ['unknown', 'JACKPOT'],
      ['lower case', 'winner'],
      ['reserved for transfers', 'TRANSFER_IN'],
      ['missing', undefined],
    ])('rejects a reason that is %s', async (_, reason) => {
      const profile = await ctx.createProfile();
      const attempt = ctx.wallets.credit(profile, 5, {
        reason: reason as 'WINNER',
      });
      await expect(attempt).rejects.toBeInstanceOf(InvalidRequest);
      await expect(attempt).rejects.toMatchObject({
        code: EconomyErrorCode.ValidationFailed,
      });
      expect(await ctx.wallets.getBalance(profile)).toBe(0);
    });

    it.each([
      ['an array', [1, 2]],
      ['a string', 'note'],
      ['over 4 KiB', { note: 'x'.repeat(4100) }],
    ])('rejects meta that is %s', async (_, meta) => {
      const profile = await ctx.createProfile();
      await expect(
        ctx.wallets.credit(profile, 5, {
          reason: 'WINNER',
          meta: meta as Record<string, unknown>,
        }),
      ).rejects.toBeInstanceOf(InvalidRequest);
    });

    it.each([
      ['a NUL character', { note: 'a\u0000b' }],
      ['a lone surrogate', { note: 'a\ud800b' }],
      ['a lone surrogate in a key', { ['k\udc00']: 1 }],
      ['a value JSON turns into a string', new Date()],
    ])('rejects meta holding %s before PostgreSQL sees it', async (_, meta) => {
      const profile = await ctx.createProfile();
      await expect(
        ctx.wallets.credit(profile, 5, {
          reason: 'WINNER',
          meta: meta as Record<string, unknown>,
        }),
      ).rejects.toBeInstanceOf(InvalidRequest);
      expect(await ctx.wallets.getWallet(profile)).toMatchObject({
        walletId: null,
      });
    });

    it('stores meta as JSON makes it', async () => {
      const profile = await ctx.createProfile();
      const at = new Date('2026-11-25T12:00:00Z');
      await ctx.wallets.credit(profile, 5, {
        reason: 'WINNER',
        meta: { at, nested: { list: [1, 'two'] }, skipped: undefined },
      });
      const [entry] = await ctx.wallets.getTransactionHistory(profile);
      expect(entry.meta).toEqual({
        at: '2026-11-25T12:00:00.000Z',
        nested: { list: [1, 'two'] },
      });
    });

    it('rejects meta that cannot be serialized', async () => {
      const profile = await ctx.createProfile();
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(
        ctx.wallets.credit(profile, 5, { reason: 'WINNER', meta: cyclic }),
      ).rejects.toBeInstanceOf(InvalidRequest);
    });

    it.each([
      ['empty', ''],
      ['longer than 255 characters', 'k'.repeat(256)],
      ['not ASCII', 'clé'],
      ['holding a control character', 'key\n1'],
      ['not a string', 42],
    ])('rejects an idempotency key that is %s', async (_, key) => {
      const profile = await ctx.createProfile();
      await expect(
        ctx.wallets.credit(profile, 5, {
          reason: 'WINNER',
          idempotencyKey: key as string,
        }),
      ).rejects.toBeInstanceOf(InvalidRequest);
      expect(await ctx.wallets.getBalance(profile)).toBe(0);
    });

    it.each([
      ['zero', 0],
      ['negative', -1],
      ['fractional', 2.5],
      ['a string', 'abc'],
      ['an entity without a numeric id', { id: '3' }],
    ])('rejects a profile reference that is %s', async (_, ref) => {
      await expect(
        ctx.wallets.credit(ref as number, 5, { reason: 'WINNER' }),
      ).rejects.toBeInstanceOf(InvalidWallet);
      await expect(
        ctx.wallets.getBalance(ref as number),
      ).rejects.toBeInstanceOf(InvalidWallet);
    });
  });

  describe('debit', () => {
    it('takes coins out and reports the balance after', async () => {
      const profile = await ctx.createProfile();
      await ctx.wallets.credit(profile, 100, { reason: 'WINNER' });
      const debit = await ctx.wallets.debit(profile, 40, {
        reason: 'PURCHASE',
        meta: { item: 'skin-12' },
      });
      expect(debit.balanceAfter).toBe(60);
      const [latest] = await ctx.wallets.getTransactionHistory(profile);
      expect(latest).toMatchObject({
        id: debit.transactionId,
        amount: -40,
        balanceAfter: 60,
        reason: 'PURCHASE',
        meta: { item: 'skin-12' },
      });
    });

    it('refuses to overdraw and writes nothing', async () => {
      const profile = await ctx.createProfile();
      const credit = await ctx.wallets.credit(profile, 50, {
        reason: 'WINNER',
      });
      const attempt = ctx.wallets.debit(profile, 51, { reason: 'PURCHASE' });
      await expect(attempt).rejects.toBeInstanceOf(InsufficientFunds);
      await expect(attempt).rejects.toThrow(`profile ${profile.id}`);
      expect(await ctx.wallets.getBalance(profile)).toBe(50);
      expect(await ledgerRowCount(ctx.dataSource, [credit.walletId])).toBe(1);

      const exact = await ctx.wallets.debit(profile, 50, {
        reason: 'PURCHASE',
      });
      expect(exact.balanceAfter).toBe(0);
    });

    it('treats a profile without a wallet as empty and creates no wallet', async () => {
      const profile = await ctx.createProfile();
      const before = await walletCount(ctx.dataSource);
      await expect(
        ctx.wallets.debit(profile, 1, { reason: 'PURCHASE' }),
      ).rejects.toBeInstanceOf(InsufficientFunds);
      expect(await walletCount(ctx.dataSource)).toBe(before);
    });

    it('rejects an unknown profile', async () => {
      await expect(
        ctx.wallets.debit(987_654_322, 1, { reason: 'PURCHASE' }),
      ).rejects.toBeInstanceOf(InvalidWallet);
    });

    it('goes below zero only while overdraft is allowed', async () => {
      const profile = await ctx.createProfile();
      const allowed = await ctx.wallets.setOverdraft(profile, true);
      expect(allowed).toMatchObject({
        profileId: profile.id,
        balance: 0,
        allowOverdraft: true,
      });
      const debit = await ctx.wallets.debit(profile, 75, {
        reason: 'PURCHASE',
      });
      expect(debit.balanceAfter).toBe(-75);

      const disallow = ctx.wallets.setOverdraft(profile, false);
      await expect(disallow).rejects.toBeInstanceOf(InsufficientFunds);
      await expect(disallow).rejects.toThrow(/overdrawn/);
      expect(await ctx.wallets.getWallet(profile)).toMatchObject({
        balance: -75,
        allowOverdraft: true,
      });

      await ctx.wallets.credit(profile, 75, { reason: 'REFUND' });
      expect(await ctx.wallets.setOverdraft(profile.id, false)).toMatchObject({
        balance: 0,
        allowOverdraft: false,
      });
      await expect(
        ctx.wallets.debit(profile, 1, { reason: 'PURCHASE' }),
      ).rejects.toBeInstanceOf(InsufficientFunds);
    });

    it('rejects a non-boolean overdraft flag', async () => {
      const profile = await ctx.createProfile();
      await expect(
        ctx.wallets.setOverdraft(profile, 'yes' as unknown as boolean),
      ).rejects.toBeInstanceOf(InvalidRequest);
    });
  });

  describe('transfer', () => {
    it('moves coins in two legs of one transfer and creates the receiving wallet', async () => {
      const [from, to] = await ctx.createProfiles(2);
      await ctx.wallets.credit(from, 100, { reason: 'WINNER' });

      const result = await ctx.wallets.transfer(from, to.id, 35, {
        reason: 'PURCHASE',
        meta: { orderId: 'o-1' },
      });

      expect(result).toEqual({
        fromWalletId: expect.any(Number),
        toWalletId: expect.any(Number),
        fromBalanceAfter: 65,
        toBalanceAfter: 35,
        debitTransactionId: expect.any(Number),
        creditTransactionId: expect.any(Number),
        idempotencyKey: null,
        replayed: false,
      });
      expect(result.creditTransactionId).toBeGreaterThan(
        result.debitTransactionId,
      );
      const [out] = await ctx.wallets.getTransactionHistory(from);
      const [incoming] = await ctx.wallets.getTransactionHistory(to);
      expect(out).toMatchObject({
        id: result.debitTransactionId,
        amount: -35,
        reason: 'TRANSFER_OUT',
        meta: { orderId: 'o-1', transferReason: 'PURCHASE' },
      });
      expect(incoming).toMatchObject({
        id: result.creditTransactionId,
        amount: 35,
        balanceAfter: 35,
        reason: 'TRANSFER_IN',
      });
      const legs: { transfer_id: string }[] = await ctx.dataSource.query(
        'SELECT transfer_id FROM wallet_transactions WHERE id = ANY($1)',
        [[result.debitTransactionId, result.creditTransactionId]],
      );
      expect(legs).toHaveLength(2);
      expect(legs[0].transfer_id).not.toBeNull();
      expect(legs[0].transfer_id).toBe(legs[1].transfer_id);
    });

    it('refuses a transfer to oneself', async () => {
      const profile = await ctx.createProfile();
      await ctx.wallets.credit(profile, 10, { reason: 'WINNER' });
      const attempt = ctx.wallets.transfer(profile, profile.id, 5);
      await expect(attempt).rejects.toBeInstanceOf(InvalidWallet);
      await expect(attempt).rejects.toMatchObject({
        code: EconomyErrorCode.InvalidWallet,
      });
      expect(await ctx.wallets.getBalance(profile)).toBe(10);
    });

    it('refuses to overdraw the source and leaves both wallets as they were', async () => {
      const [from, to] = await ctx.createProfiles(2);
      const source = await ctx.wallets.credit(from, 20, { reason: 'WINNER' });
      const target = await ctx.wallets.credit(to, 5, { reason: 'WINNER' });
      await expect(ctx.wallets.transfer(from, to, 21)).rejects.toBeInstanceOf(
        InsufficientFunds,
      );
      expect(await ctx.wallets.getBalance(from)).toBe(20);
      expect(await ctx.wallets.getBalance(to)).toBe(5);
      expect(
        await ledgerRowCount(ctx.dataSource, [
          source.walletId,
          target.walletId,
        ]),
      ).toBe(2);
    });

    it('reports an unknown profile on either side as an invalid wallet', async () => {
      const profile = await ctx.createProfile();
      await ctx.wallets.credit(profile, 10, { reason: 'WINNER' });
      await expect(
        ctx.wallets.transfer(profile, 987_654_323, 1),
      ).rejects.toBeInstanceOf(InvalidWallet);
      await expect(
        ctx.wallets.transfer(987_654_324, profile, 1),
      ).rejects.toBeInstanceOf(InvalidWallet);
      expect(await ctx.wallets.getBalance(profile)).toBe(10);
    });

    it('leaves no new wallet behind when a transfer to a walletless profile is refused', async () => {
      const [from, to] = await ctx.createProfiles(2);
      await ctx.wallets.credit(from, 10, { reason: 'WINNER' });
      const before = await walletCount(ctx.dataSource);
      await expect(ctx.wallets.transfer(from, to, 11)).rejects.toBeInstanceOf(
        InsufficientFunds,
      );
      expect(await walletCount(ctx.dataSource)).toBe(before);
      expect(await ctx.wallets.getWallet(to)).toMatchObject({ walletId: null });

      const paid = await ctx.wallets.transfer(from, to, 10);
      expect(paid.toBalanceAfter).toBe(10);
      expect(await walletCount(ctx.dataSource)).toBe(before + 1);
    });

    it('creates a receiving wallet once when first transfers race', async () => {
      const senders = await ctx.createProfiles(6);
      const [receiver] = await ctx.createProfiles(1);
      for (const sender of senders) {
        await ctx.wallets.credit(sender, 3, { reason: 'WINNER' });
      }
      const results = await Promise.all(
        senders.map((sender) => ctx.wallets.transfer(sender, receiver, 3)),
      );
      expect(new Set(results.map((r) => r.toWalletId)).size).toBe(1);
      expect(await ctx.wallets.getBalance(receiver)).toBe(18);
    });

    it('treats a source without a wallet as empty and creates no wallet', async () => {
      const [from, to] = await ctx.createProfiles(2);
      const before = await walletCount(ctx.dataSource);
      await expect(ctx.wallets.transfer(from, to, 1)).rejects.toBeInstanceOf(
        InsufficientFunds,
      );
      expect(await walletCount(ctx.dataSource)).toBe(before);
    });

    it('rejects a transfer reason outside the allowed set', async () => {
      const [from, to] = await ctx.createProfiles(2);
      await ctx.wallets.credit(from, 10, { reason: 'WINNER' });
      await expect(
        ctx.wallets.transfer(from, to, 1, {
          reason: 'TRANSFER_OUT',
        }),
      ).rejects.toBeInstanceOf(InvalidRequest);
    });
  });

  describe('reads', () => {
    it('reports zero for a profile without a wallet and rejects unknown profiles', async () => {
      const profile = await ctx.createProfile();
      expect(await ctx.wallets.getBalance(profile)).toBe(0);
      expect(await ctx.wallets.getTransactionHistory(profile)).toEqual([]);
      await expect(ctx.wallets.getBalance(987_654_325)).rejects.toBeInstanceOf(
        InvalidWallet,
      );
      await expect(
        ctx.wallets.getTransactionHistory(987_654_325),
      ).rejects.toBeInstanceOf(InvalidWallet);
    });

    it('pages history newest first by offset and by cursor, without gaps or repeats', async () => {
      const profile = await ctx.createProfile();
      const ids: number[] = [];
      for (let amount = 1; amount <= 23; amount++) {
        ids.push(
          (await ctx.wallets.credit(profile, amount, { reason: 'TOP4' }))
            .transactionId,
        );
      }
      const newestFirst = [...ids].reverse();

      const all = await ctx.wallets.getTransactionHistory(profile);
      expect(all.map((entry) => entry.id)).toEqual(newestFirst);
      expect(all[0].balanceAfter).toBe((23 * 24) / 2);

      const byOffset: number[] = [];
      for (let offset = 0; offset < 30; offset += 10) {
        const page = await ctx.wallets.getTransactionHistory(profile, {
          limit: 10,
          offset,
        });
        byOffset.push(...page.map((entry) => entry.id));
      }
      expect(byOffset).toEqual(newestFirst);

      const byCursor: number[] = [];
      let page = await ctx.wallets.getTransactionHistory(profile, { limit: 7 });
      while (page.length > 0) {
        byCursor.push(...page.map((entry) => entry.id));
        page = await ctx.wallets.getTransactionHistory(profile, {
          limit: 7,
          cursor: page[page.length - 1].id,
        });
      }
      expect(byCursor).toEqual(newestFirst);
    });

    it.each([
      ['limit 0', { limit: 0 }],
      ['limit above 1000', { limit: 1001 }],
      ['fractional limit', { limit: 2.5 }],
      ['negative offset', { offset: -1 }],
      ['cursor 0', { cursor: 0 }],
    ])('rejects a page with %s', async (_, page) => {
      const profile = await ctx.createProfile();
      await ctx.wallets.credit(profile, 1, { reason: 'WINNER' });
      await expect(
        ctx.wallets.getTransactionHistory(profile, page),
      ).rejects.toBeInstanceOf(InvalidRequest);
    });
  });

  it('gives each error class its stable code', () => {
    const errors = [
      new InvalidAmount('a'),
      new InsufficientFunds('b'),
      new InvalidWallet('c'),
      new IdempotencyConflict('d'),
      new InvalidRequest('e'),
    ];
    expect(errors.every((error) => error instanceof EconomyError)).toBe(true);
    expect(errors.map((error) => [error.name, error.code])).toEqual([
      ['InvalidAmount', 'INVALID_AMOUNT'],
      ['InsufficientFunds', 'INSUFFICIENT_FUNDS'],
      ['InvalidWallet', 'INVALID_WALLET'],
      ['IdempotencyConflict', 'IDEMPOTENCY_CONFLICT'],
      ['InvalidRequest', 'VALIDATION_FAILED'],
    ]);
  });
});
