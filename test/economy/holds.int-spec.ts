import {
  HoldNotFound,
  HoldState,
  IdempotencyConflict,
  InsufficientFunds,
  InvalidAmount,
  InvalidRequest,
  InvariantViolationKind,
} from '../../src/economy';
import { SqlDatabase, type SqlRunner } from '../../src/database/sql-database';
import type { Profile } from '../../src/profiles';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('holds', () => {
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext();
  });
  afterAll(() => ctx.close());

  /** A profile whose wallet holds `balance` coins. */
  const wallet = (profile: Profile) => ctx.wallets.getWallet(profile);
  const ledgerOf = async (profile: Profile) =>
    (await ctx.wallets.getTransactionHistory(profile)).map((entry) => ({
      amount: entry.amount,
      reason: entry.reason,
      balanceAfter: entry.balanceAfter,
    }));

  it('reserves coins: what is held cannot be debited or transferred, and no ledger row is written', async () => {
    const [buyer, other] = [
      await ctx.createFundedProfile(100),
      await ctx.createProfile(),
    ];
    const hold = await ctx.wallets.hold(buyer, 70, { reason: 'PURCHASE' });
    expect(hold).toMatchObject({
      amount: 70,
      status: 'PENDING',
      available: 30,
      capturedAmount: null,
      transactionId: null,
      replayed: false,
    });
    expect(await wallet(buyer)).toMatchObject({
      balance: 100,
      held: 70,
      available: 30,
    });
    await expect(
      ctx.wallets.debit(buyer, 31, { reason: 'PURCHASE' }),
    ).rejects.toBeInstanceOf(InsufficientFunds);
    await expect(ctx.wallets.transfer(buyer, other, 31)).rejects.toBeInstanceOf(
      InsufficientFunds,
    );
    await expect(
      ctx.wallets.hold(buyer, 31, { reason: 'PURCHASE' }),
    ).rejects.toBeInstanceOf(InsufficientFunds);
    expect(await ledgerOf(buyer)).toHaveLength(1);
    await ctx.wallets.debit(buyer, 30, { reason: 'PURCHASE' });
    expect(await wallet(buyer)).toMatchObject({ balance: 70, available: 0 });
  });

  it('captures the whole hold as one debit, or part of it and releases the rest', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const whole = await ctx.wallets.hold(buyer, 40, {
      reason: 'PURCHASE',
      meta: { order: 'o-1' },
    });
    const captured = await ctx.wallets.capture(whole.holdId);
    expect(captured).toEqual({
      holdId: whole.holdId,
      status: 'CAPTURED',
      capturedAmount: 40,
      transactionId: expect.any(Number) as number,
      balanceAfter: 60,
    });
    const [row] = await ctx.wallets.getTransactionHistory(buyer);
    expect(row).toMatchObject({
      id: captured.transactionId,
      amount: -40,
      reason: 'PURCHASE',
      meta: { order: 'o-1', holdId: whole.holdId },
    });

    const part = await ctx.wallets.hold(buyer, 50, { reason: 'PURCHASE' });
    expect(
      await ctx.wallets.capture(part.holdId, { amount: 20 }),
    ).toMatchObject({ capturedAmount: 20, balanceAfter: 40 });
    expect(await wallet(buyer)).toMatchObject({
      balance: 40,
      held: 0,
      available: 40,
    });
    expect(await ctx.wallets.getHold(part.holdId)).toMatchObject({
      status: 'CAPTURED',
      capturedAmount: 20,
      closedAt: expect.any(Date) as Date,
    });
  });

  it('ends a hold exactly once: every later capture or release is refused, nothing moves', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const released = await ctx.wallets.hold(buyer, 10, { reason: 'PURCHASE' });
    expect(await ctx.wallets.release(released.holdId)).toEqual({
      holdId: released.holdId,
      status: 'RELEASED',
    });
    const captured = await ctx.wallets.hold(buyer, 10, { reason: 'PURCHASE' });
    await ctx.wallets.capture(captured.holdId);
    for (const holdId of [released.holdId, captured.holdId]) {
      await expect(ctx.wallets.release(holdId)).rejects.toBeInstanceOf(
        HoldState,
      );
      await expect(ctx.wallets.capture(holdId)).rejects.toBeInstanceOf(
        HoldState,
      );
    }
    expect(await wallet(buyer)).toMatchObject({ balance: 90, held: 0 });
    expect(await ledgerOf(buyer)).toHaveLength(2);
    await expect(ctx.wallets.getHold(987_654_321)).rejects.toBeInstanceOf(
      HoldNotFound,
    );
  });

  it('gives a capture racing a release exactly one winner', async () => {
    const buyer = await ctx.createFundedProfile(1000);
    const holds = await Promise.all(
      Array.from({ length: 20 }, () =>
        ctx.wallets.hold(buyer, 10, { reason: 'PURCHASE' }),
      ),
    );
    const outcomes = await Promise.all(
      holds.flatMap(({ holdId }) => [
        ctx.wallets.capture(holdId).then(
          () => 'captured',
          (error: unknown) => (error instanceof HoldState ? 'refused' : error),
        ),
        ctx.wallets.release(holdId).then(
          () => 'released',
          (error: unknown) => (error instanceof HoldState ? 'refused' : error),
        ),
      ]),
    );
    const captures = outcomes.filter((o) => o === 'captured').length;
    const releases = outcomes.filter((o) => o === 'released').length;
    expect(captures + releases).toBe(20);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(20);
    expect(await wallet(buyer)).toMatchObject({
      balance: 1000 - 10 * captures,
      held: 0,
    });
    expect(await ledgerOf(buyer)).toHaveLength(1 + captures);
    expect((await ctx.ledger.verifyInvariants()).ok).toBe(true);
  });

  it('refuses to capture more than is held', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const hold = await ctx.wallets.hold(buyer, 10, { reason: 'PURCHASE' });
    await expect(
      ctx.wallets.capture(hold.holdId, { amount: 11 }),
    ).rejects.toBeInstanceOf(InvalidAmount);
    expect(await wallet(buyer)).toMatchObject({ balance: 100, held: 10 });
  });

  it('expires a hold past its expiry: the sweep frees its coins and a capture is refused', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const hold = await ctx.wallets.hold(buyer, 60, {
      reason: 'PURCHASE',
      expiresInSeconds: 1,
    });
    await sleep(1100);
    await expect(ctx.wallets.capture(hold.holdId)).rejects.toThrow(/expired/);
    expect(await ctx.wallets.expireHolds()).toBeGreaterThanOrEqual(1);
    expect(await ctx.wallets.getHold(hold.holdId)).toMatchObject({
      status: 'EXPIRED',
    });
    expect(await wallet(buyer)).toMatchObject({ balance: 100, held: 0 });
  });

  it("judges expiry by the clock when the hold's turn comes, not when its transaction began", async () => {
    const database = ctx.get(SqlDatabase);
    const buyer = await ctx.createFundedProfile(100);
    const [captured, released] = [
      await ctx.wallets.hold(buyer, 30, {
        reason: 'PURCHASE',
        expiresInSeconds: 1,
      }),
      await ctx.wallets.hold(buyer, 20, {
        reason: 'PURCHASE',
        expiresInSeconds: 1,
      }),
    ];
    // Callers' transactions that began before the expiry (as a purchase's
    // confirm begins, then waits for the purchase's lock) and act after it.
    const lateTo = (act: (transaction: SqlRunner) => Promise<unknown>) =>
      database.transaction(async (transaction) => {
        await sleep(1100);
        await act(transaction);
      });
    const [capture, release] = await Promise.allSettled([
      lateTo((transaction) =>
        ctx.wallets.capture(captured.holdId, { transaction }),
      ),
      lateTo((transaction) =>
        ctx.wallets.release(released.holdId, { transaction }),
      ),
    ]);
    expect(capture).toMatchObject({ status: 'rejected' });
    expect(release).toMatchObject({ status: 'rejected' });
    for (const refused of [capture, release]) {
      expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(
        HoldState,
      );
      expect(String((refused as PromiseRejectedResult).reason)).toMatch(
        /expired at/,
      );
    }
    expect(await wallet(buyer)).toMatchObject({ balance: 100, held: 50 });
    expect(await ctx.wallets.expireHolds()).toBeGreaterThanOrEqual(2);
    expect(await wallet(buyer)).toMatchObject({ balance: 100, held: 0 });
  });

  it('expires a hold at once for its owner only once it is due', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const hold = await ctx.wallets.hold(buyer, 20, {
      reason: 'PURCHASE',
      expiresInSeconds: 1,
    });
    await expect(ctx.wallets.expireHold(hold.holdId)).rejects.toThrow(
      /cannot be expired before/,
    );
    await sleep(1100);
    await ctx.wallets.expireHold(hold.holdId);
    expect(await ctx.wallets.getHold(hold.holdId)).toMatchObject({
      status: 'EXPIRED',
    });
    expect(await wallet(buyer)).toMatchObject({ balance: 100, held: 0 });
  });

  it('expires more due holds than one sweep batch takes, in one call', async () => {
    const buyer = await ctx.createFundedProfile(1000);
    const { walletId } = await wallet(buyer);
    // 501 due holds at once, written directly: a sweep takes 500 a batch.
    await ctx.database.asOwner((owner) =>
      owner.query(
        `WITH placed AS (
           INSERT INTO holds (wallet_id, amount, reason, expires_at, meta)
           SELECT $1, 1, 'PURCHASE', now() - interval '1 second', '{}'
             FROM generate_series(1, 501)
           RETURNING amount
         )
         UPDATE wallets SET held = held + (SELECT sum(amount) FROM placed)
          WHERE id = $1`,
        [walletId],
      ),
    );
    expect(await ctx.wallets.expireHolds()).toBeGreaterThanOrEqual(501);
    expect(await wallet(buyer)).toMatchObject({ balance: 1000, held: 0 });
  });

  it('refuses a hold whose reason is not one a hold may have', async () => {
    const buyer = await ctx.createFundedProfile(100);
    await expect(
      ctx.wallets.hold(buyer, 1, { reason: 'WINNER' as 'PURCHASE' }),
    ).rejects.toBeInstanceOf(InvalidRequest);
    expect(await wallet(buyer)).toMatchObject({ held: 0 });
  });

  it("credits inside a caller's transaction, creating the wallet there, and rolls back with it", async () => {
    const database = ctx.get(SqlDatabase);
    const [kept, dropped] = [
      await ctx.createProfile(),
      await ctx.createProfile(),
    ];
    await database.transaction((transaction) =>
      ctx.wallets.credit(kept, 15, { reason: 'REFUND', transaction }),
    );
    expect(await wallet(kept)).toMatchObject({ balance: 15 });
    await expect(
      database.transaction(async (transaction) => {
        await ctx.wallets.credit(dropped, 15, {
          reason: 'REFUND',
          transaction,
        });
        throw new Error('the caller gives up');
      }),
    ).rejects.toThrow('the caller gives up');
    expect(await wallet(dropped)).toMatchObject({ walletId: null, balance: 0 });
  });

  it('replays a keyed hold, and refuses its key for another request', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const options = {
      reason: 'PURCHASE' as const,
      idempotencyKey: `h-${buyer.id}`,
    };
    const first = await ctx.wallets.hold(buyer, 30, options);
    const again = await ctx.wallets.hold(buyer, 30, options);
    expect(again).toEqual({ ...first, replayed: true });
    await expect(ctx.wallets.hold(buyer, 31, options)).rejects.toBeInstanceOf(
      IdempotencyConflict,
    );
    expect(await wallet(buyer)).toMatchObject({ held: 30 });
  });

  it('holds nothing for a profile without a wallet, and beyond the balance only with overdraft', async () => {
    const walletless = await ctx.createProfile();
    await expect(
      ctx.wallets.hold(walletless, 1, { reason: 'PURCHASE' }),
    ).rejects.toBeInstanceOf(InsufficientFunds);
    expect(await wallet(walletless)).toMatchObject({ walletId: null });
    const trusted = await ctx.createFundedProfile(10);
    await ctx.wallets.setOverdraft(trusted, true);
    await ctx.wallets.hold(trusted, 50, { reason: 'MANUAL_ADJUST' });
    expect(await wallet(trusted)).toMatchObject({ available: -40 });
  });

  it('keeps a closed hold as it is, against direct SQL too', async () => {
    const buyer = await ctx.createFundedProfile(100);
    const hold = await ctx.wallets.hold(buyer, 10, { reason: 'PURCHASE' });
    await ctx.wallets.release(hold.holdId);
    await expect(
      ctx.dataSource.query(
        "UPDATE holds SET status = 'PENDING', closed_at = NULL WHERE id = $1",
        [hold.holdId],
      ),
    ).rejects.toThrow(/a closed hold never changes/);
    await expect(
      ctx.dataSource.query('DELETE FROM holds WHERE id = $1', [hold.holdId]),
    ).rejects.toThrow(/permission denied|not allowed/);
  });

  it('finds a held total that disagrees with the pending holds, and repairs it', async () => {
    const buyer = await ctx.createFundedProfile(100);
    await ctx.wallets.hold(buyer, 25, { reason: 'PURCHASE' });
    const { walletId } = await wallet(buyer);
    await ctx.dataSource.query('UPDATE wallets SET held = 5 WHERE id = $1', [
      walletId,
    ]);
    const report = await ctx.ledger.verifyInvariants();
    expect(report.violations).toContainEqual({
      kind: InvariantViolationKind.HeldDrift,
      walletId,
      detail: 'held 5, pending holds 25',
    });
    await ctx.ledger.recalcWallet(walletId!);
    expect(await wallet(buyer)).toMatchObject({ balance: 100, held: 25 });
  });
});
