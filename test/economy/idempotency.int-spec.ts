import { randomUUID } from 'node:crypto';
import {
  IdempotencyConflict,
  InsufficientFunds,
  InvalidRequest,
} from '../../src/economy/economy.errors';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import { ledgerRowCount } from '../support/ledger-queries';

/**
 * Callers of one keyed movement: one made it, the others replayed it, and
 * every one got the same result.
 */
function expectOneMovementForAll(results: { replayed: boolean }[]): void {
  expect(results.filter((result) => !result.replayed)).toHaveLength(1);
  const shared = results.map((result) =>
    JSON.stringify({ ...result, replayed: undefined }),
  );
  expect(new Set(shared).size).toBe(1);
}

describe('WalletService idempotency', () => {
  let ctx: EconomyTestContext;
  let second: EconomyTestContext;
  const key = () => `test-${randomUUID()}`;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({ poolSize: 12 });
    second = await createEconomyTestContext({
      poolSize: 12,
      shared: ctx.database,
    });
  });
  afterAll(async () => {
    await second.close();
    await ctx.close();
  });

  it('replays a duplicate credit: the original result, nothing written', async () => {
    const profile = await ctx.createProfile();
    const idempotencyKey = key();
    const first = await ctx.wallets.credit(profile, 70, {
      reason: 'WINNER',
      idempotencyKey,
    });
    const replay = await ctx.wallets.credit(profile.id, 70, {
      reason: 'WINNER',
      idempotencyKey,
      meta: { retriedBy: 'scheduler' },
    });
    expect(first.idempotencyKey).toBe(idempotencyKey);
    expect(replay).toEqual({ ...first, replayed: true });
    expect(await ctx.wallets.getBalance(profile)).toBe(70);
    expect(await ledgerRowCount(ctx.dataSource, [first.walletId])).toBe(1);
  });

  it('replays a duplicate debit', async () => {
    const profile = await ctx.createProfile();
    await ctx.wallets.credit(profile, 100, { reason: 'WINNER' });
    const idempotencyKey = key();
    const first = await ctx.wallets.debit(profile, 30, {
      reason: 'PURCHASE',
      idempotencyKey,
    });
    const replay = await ctx.wallets.debit(profile, 30, {
      reason: 'PURCHASE',
      idempotencyKey,
    });
    expect(replay).toEqual({ ...first, replayed: true });
    expect(await ctx.wallets.getBalance(profile)).toBe(70);
    expect(await ledgerRowCount(ctx.dataSource, [first.walletId])).toBe(2);
  });

  it('replays a duplicate transfer, both legs once', async () => {
    const [from, to] = await ctx.createProfiles(2);
    await ctx.wallets.credit(from, 100, { reason: 'WINNER' });
    const idempotencyKey = key();
    const first = await ctx.wallets.transfer(from, to, 40, {
      idempotencyKey,
      reason: 'PURCHASE',
    });
    const replay = await ctx.wallets.transfer(from.id, to.id, 40, {
      idempotencyKey,
      reason: 'PURCHASE',
    });
    expect(replay).toEqual({ ...first, replayed: true });
    expect(await ctx.wallets.getBalance(from)).toBe(60);
    expect(await ctx.wallets.getBalance(to)).toBe(40);
    expect(
      await ledgerRowCount(ctx.dataSource, [
        first.fromWalletId,
        first.toWalletId,
      ]),
    ).toBe(3);
  });

  it('replays a transfer even when the source could no longer pay it', async () => {
    const [from, to] = await ctx.createProfiles(2);
    await ctx.wallets.credit(from, 50, { reason: 'WINNER' });
    const idempotencyKey = key();
    const first = await ctx.wallets.transfer(from, to, 50, { idempotencyKey });
    expect(await ctx.wallets.getBalance(from)).toBe(0);
    await expect(
      ctx.wallets.transfer(from, to, 50, { idempotencyKey }),
    ).resolves.toEqual({ ...first, replayed: true });
  });

  describe('conflicts', () => {
    it.each([
      ['another amount', { amount: 11 }],
      ['another reason', { reason: 'TOP4' }],
      ['another profile', { otherProfile: true }],
    ] as [
      string,
      { amount?: number; reason?: 'TOP4'; otherProfile?: boolean },
    ][])(
      'rejects the same credit key with %s and writes nothing',
      async (_, change) => {
        const [profile, other] = await ctx.createProfiles(2);
        const idempotencyKey = key();
        const first = await ctx.wallets.credit(profile, 10, {
          reason: 'WINNER',
          idempotencyKey,
        });
        const attempt = ctx.wallets.credit(
          change.otherProfile ? other : profile,
          change.amount ?? 10,
          { reason: change.reason ?? 'WINNER', idempotencyKey },
        );
        await expect(attempt).rejects.toBeInstanceOf(IdempotencyConflict);
        await expect(attempt).rejects.toMatchObject({
          code: 'IDEMPOTENCY_CONFLICT',
        });
        expect(await ctx.wallets.getBalance(profile)).toBe(10);
        expect(await ctx.wallets.getBalance(other)).toBe(0);
        expect(await ledgerRowCount(ctx.dataSource, [first.walletId])).toBe(1);
      },
    );

    it('rejects a transfer key replayed with other parties or amount', async () => {
      const [a, b, c] = await ctx.createProfiles(3);
      await ctx.wallets.credit(a, 100, { reason: 'WINNER' });
      await ctx.wallets.credit(c, 100, { reason: 'WINNER' });
      const idempotencyKey = key();
      await ctx.wallets.transfer(a, b, 10, { idempotencyKey });
      for (const [from, to, amount] of [
        [a, c, 10],
        [c, b, 10],
        [a, b, 11],
      ] as const) {
        await expect(
          ctx.wallets.transfer(from, to, amount, { idempotencyKey }),
        ).rejects.toBeInstanceOf(IdempotencyConflict);
      }
      await expect(
        ctx.wallets.transfer(a, b, 10, { idempotencyKey, reason: 'REFUND' }),
      ).rejects.toBeInstanceOf(IdempotencyConflict);
      expect(await ctx.wallets.getBalance(a)).toBe(90);
      expect(await ctx.wallets.getBalance(b)).toBe(10);
      expect(await ctx.wallets.getBalance(c)).toBe(100);
    });

    it('rejects a key reused across operations', async () => {
      const [a, b] = await ctx.createProfiles(2);
      await ctx.wallets.credit(a, 100, { reason: 'WINNER' });
      const creditKey = key();
      await ctx.wallets.credit(a, 5, {
        reason: 'REFUND',
        idempotencyKey: creditKey,
      });
      await expect(
        ctx.wallets.debit(a, 5, {
          reason: 'REFUND',
          idempotencyKey: creditKey,
        }),
      ).rejects.toBeInstanceOf(IdempotencyConflict);
      await expect(
        ctx.wallets.transfer(a, b, 5, { idempotencyKey: creditKey }),
      ).rejects.toBeInstanceOf(IdempotencyConflict);

      const transferKey = key();
      await ctx.wallets.transfer(a, b, 5, { idempotencyKey: transferKey });
      await expect(
        ctx.wallets.credit(b, 5, {
          reason: 'WINNER',
          idempotencyKey: transferKey,
        }),
      ).rejects.toBeInstanceOf(IdempotencyConflict);
      expect(await ctx.wallets.getBalance(a)).toBe(100);
      expect(await ctx.wallets.getBalance(b)).toBe(5);
    });

    it('reports a conflict, not missing funds, for a held key on a profile without wallet', async () => {
      const [a, walletless, other] = await ctx.createProfiles(3);
      const idempotencyKey = key();
      await ctx.wallets.credit(a, 5, { reason: 'WINNER', idempotencyKey });
      await expect(
        ctx.wallets.debit(walletless, 5, {
          reason: 'PURCHASE',
          idempotencyKey,
        }),
      ).rejects.toBeInstanceOf(IdempotencyConflict);
      await expect(
        ctx.wallets.transfer(walletless, other, 5, { idempotencyKey }),
      ).rejects.toBeInstanceOf(IdempotencyConflict);
      await expect(
        ctx.wallets.debit(walletless, 5, {
          reason: 'PURCHASE',
          idempotencyKey: key(),
        }),
      ).rejects.toBeInstanceOf(InsufficientFunds);
    });
  });

  it('writes a batch of keyed credits with any printable key and any JSON meta intact, and replays it', async () => {
    const [a, b] = await ctx.createProfiles(2);
    // Characters that JSON and PostgreSQL array literals both escape.
    // Chained in key order: the first key sorts first.
    const keys = [
      `a-${key()} "quoted" \\back\\slash {brace} , comma`,
      `b-${key()} 'single' NULL {}`,
      key(),
    ];
    const meta = {
      note: 'quote " backslash \\ comma , brace { é ü 🎮',
      nested: { list: [1, 'two', null, true] },
    };
    const batch = [
      {
        profileId: a.id,
        amount: 5,
        reason: 'WINNER' as const,
        idempotencyKey: keys[0],
        meta,
      },
      {
        profileId: a.id,
        amount: 7,
        reason: 'TOP4' as const,
        idempotencyKey: keys[1],
      },
      {
        profileId: b.id,
        amount: 3,
        reason: 'WINNER' as const,
        idempotencyKey: keys[2],
        meta,
      },
    ];
    const first = await ctx.wallets.creditAll(batch, (results) =>
      Promise.resolve(results),
    );
    expect(first.map((outcome) => outcome.replayed)).toEqual([
      false,
      false,
      false,
    ]);
    expect(await ctx.wallets.getBalance(a)).toBe(12);
    expect(await ctx.wallets.getBalance(b)).toBe(3);
    // One wallet credited twice: one ledger row per credit, balances chained.
    const history = await ctx.wallets.getTransactionHistory(a);
    expect(
      history.map((entry) => [
        entry.idempotencyKey,
        entry.amount,
        entry.balanceAfter,
      ]),
    ).toEqual([
      [keys[1], 7, 12],
      [keys[0], 5, 5],
    ]);
    expect(
      history.find((entry) => entry.idempotencyKey === keys[0])?.meta,
    ).toEqual(meta);
    expect(first.map((result) => result.idempotencyKey)).toEqual(keys);

    const again = await ctx.wallets.creditAll(batch, (results) =>
      Promise.resolve(results),
    );
    expect(again).toEqual(
      first.map((outcome) => ({ ...outcome, replayed: true })),
    );
    expect(
      await ctx.wallets.credit(a, 5, {
        reason: 'WINNER',
        idempotencyKey: keys[0],
        meta,
      }),
    ).toEqual({ ...first[0], replayed: true });
    expect(await ctx.wallets.getBalance(a)).toBe(12);
    expect(await ledgerRowCount(ctx.dataSource, [first[0].walletId])).toBe(2);
  });

  it('refuses a batch that names one key twice, and writes nothing of it', async () => {
    const profile = await ctx.createProfile();
    const idempotencyKey = key();
    const credit = {
      profileId: profile.id,
      amount: 5,
      reason: 'WINNER' as const,
      idempotencyKey,
    };
    await expect(
      ctx.wallets.creditAll([credit, { ...credit }], (results) =>
        Promise.resolve(results),
      ),
    ).rejects.toBeInstanceOf(InvalidRequest);
    expect(await ctx.wallets.getBalance(profile)).toBe(0);
    // The key was not claimed: a single credit under it pays once.
    await ctx.wallets.credit(profile, 5, { reason: 'WINNER', idempotencyKey });
    expect(await ctx.wallets.getBalance(profile)).toBe(5);
  });

  it('creates no wallet for a credit refused by a held key', async () => {
    const [holder, walletless] = await ctx.createProfiles(2);
    const idempotencyKey = key();
    await ctx.wallets.credit(holder, 5, { reason: 'WINNER', idempotencyKey });
    await expect(
      ctx.wallets.credit(walletless, 5, { reason: 'WINNER', idempotencyKey }),
    ).rejects.toBeInstanceOf(IdempotencyConflict);
    expect(await ctx.wallets.getWallet(walletless)).toMatchObject({
      walletId: null,
    });
  });

  it('compares a caller fingerprint besides the payload, and rejects a malformed one', async () => {
    const profile = await ctx.createProfile();
    const idempotencyKey = key();
    const first = await ctx.wallets.credit(profile, 4, {
      reason: 'WINNER',
      idempotencyKey,
      requestFingerprint: 'body-a',
    });
    expect(first.replayed).toBe(false);
    const again = await ctx.wallets.credit(profile, 4, {
      reason: 'WINNER',
      idempotencyKey,
      requestFingerprint: 'body-a',
    });
    expect(again).toEqual({ ...first, replayed: true });
    await expect(
      ctx.wallets.credit(profile, 4, {
        reason: 'WINNER',
        idempotencyKey,
        requestFingerprint: 'body-b',
      }),
    ).rejects.toBeInstanceOf(IdempotencyConflict);
    await expect(
      ctx.wallets.credit(profile, 4, { reason: 'WINNER', idempotencyKey }),
    ).rejects.toBeInstanceOf(IdempotencyConflict);
    await expect(
      ctx.wallets.credit(profile, 4, {
        reason: 'WINNER',
        idempotencyKey: key(),
        requestFingerprint: 'f'.repeat(200),
      }),
    ).rejects.toBeInstanceOf(InvalidRequest);
    expect(await ctx.wallets.getBalance(profile)).toBe(4);
  });

  it('does not claim the key of a movement that failed', async () => {
    const profile = await ctx.createProfile();
    await ctx.wallets.credit(profile, 10, { reason: 'WINNER' });
    const idempotencyKey = key();
    await expect(
      ctx.wallets.debit(profile, 25, { reason: 'PURCHASE', idempotencyKey }),
    ).rejects.toBeInstanceOf(InsufficientFunds);
    await ctx.wallets.credit(profile, 20, { reason: 'WINNER' });
    const retried = await ctx.wallets.debit(profile, 25, {
      reason: 'PURCHASE',
      idempotencyKey,
    });
    expect(retried.balanceAfter).toBe(5);
  });

  it('answers out-of-order replays with each original result', async () => {
    const profile = await ctx.createProfile();
    const [k1, k2, k3] = [key(), key(), key()];
    const r1 = await ctx.wallets.credit(profile, 1, {
      reason: 'TOP4',
      idempotencyKey: k1,
    });
    const r2 = await ctx.wallets.credit(profile, 2, {
      reason: 'TOP4',
      idempotencyKey: k2,
    });
    const r3 = await ctx.wallets.debit(profile, 3, {
      reason: 'PURCHASE',
      idempotencyKey: k3,
    });
    expect(
      await ctx.wallets.debit(profile, 3, {
        reason: 'PURCHASE',
        idempotencyKey: k3,
      }),
    ).toEqual({ ...r3, replayed: true });
    expect(
      await ctx.wallets.credit(profile, 1, {
        reason: 'TOP4',
        idempotencyKey: k1,
      }),
    ).toEqual({ ...r1, replayed: true });
    expect(
      await ctx.wallets.credit(profile, 2, {
        reason: 'TOP4',
        idempotencyKey: k2,
      }),
    ).toEqual({ ...r2, replayed: true });
    expect([r1.balanceAfter, r2.balanceAfter, r3.balanceAfter]).toEqual([
      1, 3, 0,
    ]);
    expect(await ctx.wallets.getBalance(profile)).toBe(0);
    expect(await ledgerRowCount(ctx.dataSource, [r1.walletId])).toBe(3);
  });

  it('makes every call without a key a new movement', async () => {
    const profile = await ctx.createProfile();
    const a = await ctx.wallets.credit(profile, 5, { reason: 'WINNER' });
    const b = await ctx.wallets.credit(profile, 5, { reason: 'WINNER' });
    expect(b.transactionId).not.toBe(a.transactionId);
    expect(await ctx.wallets.getBalance(profile)).toBe(10);
  });

  describe('concurrent calls with one key', () => {
    const CALLERS = 12;

    it('credits once, and every caller gets the same result', async () => {
      const profile = await ctx.createProfile();
      await ctx.wallets.credit(profile, 1, { reason: 'WINNER' });
      const idempotencyKey = key();
      const results = await Promise.all(
        Array.from({ length: CALLERS }, () =>
          ctx.wallets.credit(profile, 50, { reason: 'WINNER', idempotencyKey }),
        ),
      );
      expectOneMovementForAll(results);
      expect(await ctx.wallets.getBalance(profile)).toBe(51);
      expect(await ledgerRowCount(ctx.dataSource, [results[0].walletId])).toBe(
        2,
      );
    });

    it('credits a profile without a wallet once: one wallet, one movement, every caller the same result', async () => {
      const profile = await ctx.createProfile();
      const idempotencyKey = key();
      const results = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) =>
          (i % 2 === 0 ? ctx : second).wallets.credit(profile, 50, {
            reason: 'WINNER',
            idempotencyKey,
          }),
        ),
      );
      expectOneMovementForAll(results);
      expect(await ctx.wallets.getBalance(profile)).toBe(50);
      const [{ wallets }]: { wallets: string }[] = await ctx.dataSource.query(
        'SELECT count(*) AS wallets FROM wallets WHERE profile_id = $1',
        [profile.id],
      );
      expect(Number(wallets)).toBe(1);
      expect(await ledgerRowCount(ctx.dataSource, [results[0].walletId])).toBe(
        1,
      );
    });

    it('debits once', async () => {
      const profile = await ctx.createProfile();
      await ctx.wallets.credit(profile, 100, { reason: 'WINNER' });
      const idempotencyKey = key();
      const results = await Promise.all(
        Array.from({ length: CALLERS }, () =>
          ctx.wallets.debit(profile, 60, {
            reason: 'PURCHASE',
            idempotencyKey,
          }),
        ),
      );
      expectOneMovementForAll(results);
      expect(await ctx.wallets.getBalance(profile)).toBe(40);
    });

    it('transfers once, even from two service instances with their own pools', async () => {
      const [from, to] = await ctx.createProfiles(2);
      await ctx.wallets.credit(from, 100, { reason: 'WINNER' });
      const idempotencyKey = key();
      const results = await Promise.all(
        Array.from({ length: CALLERS }, (_, i) =>
          (i % 2 === 0 ? ctx : second).wallets.transfer(from, to, 100, {
            idempotencyKey,
          }),
        ),
      );
      expectOneMovementForAll(results);
      expect(await ctx.wallets.getBalance(from)).toBe(0);
      expect(await ctx.wallets.getBalance(to)).toBe(100);
      expect(
        await ledgerRowCount(ctx.dataSource, [
          results[0].fromWalletId,
          results[0].toWalletId,
        ]),
      ).toBe(3);
    });

    it('lets exactly one of two different payloads win the key', async () => {
      const profile = await ctx.createProfile();
      const idempotencyKey = key();
      const outcomes = await Promise.allSettled(
        Array.from({ length: CALLERS }, (_, i) =>
          ctx.wallets.credit(profile, i % 2 === 0 ? 10 : 20, {
            reason: 'WINNER',
            idempotencyKey,
          }),
        ),
      );
      const fulfilled = outcomes.filter((o) => o.status === 'fulfilled');
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      expect(fulfilled.length).toBe(CALLERS / 2);
      expect(
        rejected.every((o) => o.reason instanceof IdempotencyConflict),
      ).toBe(true);
      const balance = await ctx.wallets.getBalance(profile);
      expect([10, 20]).toContain(balance);
    });
  });
});
