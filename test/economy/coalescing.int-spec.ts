import fc from 'fast-check';
import { Client } from 'pg';
import { DatabaseBusy } from '../../src/database/database.errors';
import {
  IdempotencyConflict,
  InsufficientFunds,
} from '../../src/economy/economy.errors';
import type { Profile } from '../../src/profiles';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

/** Transactions that wrote the wallet's ledger rows (a row's xmin is its writer's). */
async function writersOf(ctx: EconomyTestContext, profile: Profile) {
  const [row] = await ctx.dataSource.query<{ writers: string }[]>(
    `SELECT count(DISTINCT t.xmin::text) AS writers
       FROM wallet_transactions t JOIN wallets w ON w.id = t.wallet_id
      WHERE w.profile_id = $1 AND t.reason <> 'WINNER'`,
    [profile.id],
  );
  return Number(row.writers);
}

describe('coalesced movements', () => {
  // Two connections: one lane, so that what queues behind the first
  // movement goes in one batch.
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({ poolSize: 2 });
  });
  afterAll(() => ctx.close());

  it('writes 64 concurrent transfers out of one wallet in fewer transactions, every balance_after exact', async () => {
    const hot = await ctx.createFundedProfile(10_000);
    const receivers = await ctx.createProfiles(8);

    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        ctx.wallets.transfer(hot, receivers[i % 8], 1 + (i % 3)),
      ),
    );

    const sent = results.reduce((sum, _, i) => sum + 1 + (i % 3), 0);
    expect((await ctx.wallets.getWallet(hot)).balance).toBe(10_000 - sent);
    const debits = (
      await ctx.wallets.getTransactionHistory(hot, { limit: 100 })
    )
      .filter((entry) => entry.reason === 'TRANSFER_OUT')
      .reverse();
    expect(debits).toHaveLength(64);
    let balance = 10_000;
    for (const debit of debits) {
      balance += debit.amount;
      expect(debit.balanceAfter).toBe(balance);
    }
    for (const [i, receiver] of receivers.entries()) {
      const expected = results
        .map((_, k) => k)
        .filter((k) => k % 8 === i)
        .reduce((sum, k) => sum + 1 + (k % 3), 0);
      expect((await ctx.wallets.getWallet(receiver)).balance).toBe(expected);
    }
    const writers = await writersOf(ctx, hot);
    expect(writers).toBeLessThan(64);
    expect(await ctx.ledger.verifyInvariants()).toMatchObject({ ok: true });
  });

  it.each([
    ['an unkeyed', undefined],
    ['a keyed', 'refused-in-batch'],
  ])(
    'commits a batch holding %s refused movement, the refusal alone failing',
    async (_, refusedKey) => {
      const payer = await ctx.createFundedProfile(100);
      const first = ctx.wallets.debit(payer, 1, { reason: 'PURCHASE' });
      const debits = Array.from({ length: 20 }, (_, i) =>
        ctx.wallets.debit(payer, i === 5 ? 1_000 : 1, {
          reason: 'PURCHASE',
          idempotencyKey:
            i !== 5
              ? `ok-${payer.id}-${i}`
              : refusedKey && `${refusedKey}-${payer.id}`,
        }),
      );
      const settled = await Promise.allSettled([first, ...debits]);

      const refused = settled.filter((result) => result.status === 'rejected');
      expect(refused).toHaveLength(1);
      expect(refused[0].reason).toBeInstanceOf(InsufficientFunds);
      expect(settled[6].status).toBe('rejected');
      expect((await ctx.wallets.getWallet(payer)).balance).toBe(100 - 20);
      // The first went alone; the other 19 shared fewer commits.
      expect(await writersOf(ctx, payer)).toBeLessThan(20);
      if (refusedKey !== undefined) {
        // Nothing of the refused movement stayed: its key is free.
        const again = await ctx.wallets.debit(payer, 10, {
          reason: 'PURCHASE',
          idempotencyKey: `${refusedKey}-${payer.id}`,
        });
        expect(again).toMatchObject({ balanceAfter: 70, replayed: false });
      }
    },
  );

  it('spreads concurrent uses of one key across batches: one movement, replays for the rest', async () => {
    const profile = await ctx.createFundedProfile(5);
    const key = `spread-${profile.id}`;
    const keyed = Array.from({ length: 20 }, () =>
      ctx.wallets.credit(profile, 7, { reason: 'WINNER', idempotencyKey: key }),
    );
    const others = Array.from({ length: 20 }, () =>
      ctx.wallets.credit(profile, 1, { reason: 'WINNER' }),
    );
    const [results] = await Promise.all([
      Promise.all(keyed),
      Promise.all(others),
    ]);

    expect(new Set(results.map((r) => r.transactionId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect((await ctx.wallets.getWallet(profile)).balance).toBe(5 + 7 + 20);
    const [{ rows }] = await ctx.dataSource.query<{ rows: string }[]>(
      'SELECT count(*) AS rows FROM wallet_transactions WHERE idempotency_key = $1',
      [key],
    );
    expect(Number(rows)).toBe(1);
    await expect(
      ctx.wallets.credit(profile, 8, { reason: 'WINNER', idempotencyKey: key }),
    ).rejects.toBeInstanceOf(IdempotencyConflict);
  });

  it('ends random concurrent movements with balances equal to their ledger sums, transfers conserving coins', async () => {
    const profiles = await ctx.createProfiles(4);
    const movement = fc.record({
      kind: fc.constantFrom('credit', 'debit', 'transfer'),
      from: fc.nat(3),
      to: fc.nat(3),
      amount: fc.integer({ min: 1, max: 40 }),
      key: fc.option(fc.nat(5), { nil: undefined }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(movement, { minLength: 1, maxLength: 40 }),
        async (movements) => {
          run += 1;
          const before = await Promise.all(
            profiles.map(
              async (p) => (await ctx.wallets.getWallet(p)).balance ?? 0,
            ),
          );
          const settled = await Promise.allSettled(
            movements.map(({ kind, from, to, amount, key }, i) => {
              const idempotencyKey =
                key === undefined ? undefined : `prop-${run}-${key}-${i}`;
              if (kind === 'credit') {
                return ctx.wallets.credit(profiles[to], amount, {
                  reason: 'WINNER',
                  idempotencyKey,
                });
              }
              if (kind === 'debit') {
                return ctx.wallets.debit(profiles[from], amount, {
                  reason: 'PURCHASE',
                  idempotencyKey,
                });
              }
              return from === to
                ? Promise.resolve(null)
                : ctx.wallets.transfer(profiles[from], profiles[to], amount, {
                    idempotencyKey,
                  });
            }),
          );
          for (const result of settled) {
            if (result.status === 'rejected') {
              expect(result.reason).toBeInstanceOf(InsufficientFunds);
            }
          }
          const moved = movements.reduce((sum, { kind, amount }, i) => {
            if (settled[i].status !== 'fulfilled' || kind === 'transfer') {
              return sum;
            }
            return sum + (kind === 'credit' ? amount : -amount);
          }, 0);
          const after = await Promise.all(
            profiles.map(
              async (p) => (await ctx.wallets.getWallet(p)).balance ?? 0,
            ),
          );
          const total = (balances: number[]) =>
            balances.reduce((a, b) => a + b, 0);
          expect(total(after) - total(before)).toBe(moved);
          expect(await ctx.ledger.verifyInvariants()).toMatchObject({
            ok: true,
          });
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('a wallet another session has locked', () => {
  let ctx: EconomyTestContext;
  let locker: Client;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({
      poolSize: 4,
      bounds: { lockWaitMs: 300, statementMs: 5_000, poolWaitMs: 800 },
    });
    locker = new Client({ connectionString: ctx.database.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
    await ctx.close();
  });

  it('holds back only its own movements, which answer BUSY with nothing written; the rest go on, and so does it once free', async () => {
    const [stuck, ...others] = await ctx.createProfiles(9);
    for (const profile of [stuck, ...others]) {
      await ctx.wallets.credit(profile, 1_000, { reason: 'WINNER' });
    }
    await locker.query('BEGIN');
    await locker.query(
      'SELECT 1 FROM wallets WHERE profile_id = $1 FOR UPDATE',
      [stuck.id],
    );

    const started = Date.now();
    const onStuck = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? ctx.wallets.debit(stuck, 1, { reason: 'PURCHASE' })
        : ctx.wallets.transfer(stuck, others[i % 8], 1, {
            idempotencyKey: `stuck-${stuck.id}-${i}`,
          }),
    );
    const elsewhere = Array.from({ length: 20 }, (_, i) =>
      ctx.wallets
        .transfer(others[i % 8], others[(i + 1) % 8], 1)
        .then(() => Date.now() - started),
    );
    const finishedAfter = await Promise.all(elsewhere);
    expect(Math.max(...finishedAfter)).toBeLessThan(1_000);

    const stuckResults = await Promise.allSettled(onStuck);
    // Each answered within a few bounds, not one bound after another.
    expect(Date.now() - started).toBeLessThan(3_000);
    for (const result of stuckResults) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(
        DatabaseBusy,
      );
    }
    await locker.query('ROLLBACK');

    expect(await ctx.wallets.getTransactionHistory(stuck)).toHaveLength(1);
    expect((await ctx.wallets.getWallet(stuck)).balance).toBe(1_000);
    // Nothing of the keyed ones stayed: the same key moves now.
    await ctx.wallets.transfer(stuck, others[1], 1, {
      idempotencyKey: `stuck-${stuck.id}-1`,
    });
    await ctx.wallets.debit(stuck, 1, { reason: 'PURCHASE' });
    expect((await ctx.wallets.getWallet(stuck)).balance).toBe(998);
  });
  it('writes a lone keyed movement once its wallet is free within the bound', async () => {
    const [payer, payee] = await ctx.createProfiles(2);
    await ctx.wallets.credit(payer, 100, { reason: 'WINNER' });
    await ctx.wallets.credit(payee, 1, { reason: 'WINNER' });
    await locker.query('BEGIN');
    await locker.query(
      'SELECT 1 FROM wallets WHERE profile_id = $1 FOR UPDATE',
      [payer.id],
    );
    const transfer = ctx.wallets.transfer(payer, payee, 30, {
      idempotencyKey: `lone-${payer.id}`,
    });
    setTimeout(() => void locker.query('ROLLBACK'), 100);
    await expect(transfer).resolves.toMatchObject({
      fromBalanceAfter: 70,
      toBalanceAfter: 31,
    });
  });
});

describe('a batch that meets a locked wallet', () => {
  // One lane: everything queued behind the first movement is one batch.
  let ctx: EconomyTestContext;
  let locker: Client;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({
      poolSize: 2,
      bounds: { lockWaitMs: 400, statementMs: 5_000, poolWaitMs: 3_000 },
    });
    locker = new Client({ connectionString: ctx.database.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
    await ctx.close();
  });

  it('answers its movements on free wallets at once, and only those on the locked one wait and answer BUSY', async () => {
    const [stuck, ...others] = await ctx.createProfiles(5);
    for (const profile of [stuck, ...others]) {
      await ctx.wallets.credit(profile, 100, { reason: 'WINNER' });
    }
    await locker.query('BEGIN');
    await locker.query(
      'SELECT 1 FROM wallets WHERE profile_id = $1 FOR UPDATE',
      [stuck.id],
    );
    try {
      const started = Date.now();
      const busyAfter: number[] = [];
      const lone = ctx.wallets.transfer(others[0], others[1], 1);
      const mixed = Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? ctx.wallets
              .debit(stuck, 1, {
                reason: 'PURCHASE',
                idempotencyKey:
                  i % 4 === 0 ? `mixed-${stuck.id}-${i}` : undefined,
              })
              .catch((error: unknown) => {
                busyAfter.push(Date.now() - started);
                throw error;
              })
          : ctx.wallets
              .transfer(others[i % 4], others[(i + 1) % 4], 1)
              .then(() => Date.now() - started),
      );
      await lone;
      const freeAfter = (await Promise.all(
        mixed.filter((_, i) => i % 2 === 1),
      )) as number[];
      const onStuck = await Promise.allSettled(
        mixed.filter((_, i) => i % 2 === 0),
      );
      // Every free movement answered before the locked wallet's bound ran
      // out for the first of its own.
      expect(busyAfter).toHaveLength(onStuck.length);
      expect(Math.max(...freeAfter)).toBeLessThan(Math.min(...busyAfter));
      for (const result of onStuck) {
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(
          DatabaseBusy,
        );
      }
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      await locker.query('ROLLBACK');
    }
    expect((await ctx.wallets.getWallet(stuck)).balance).toBe(100);
    expect(await ctx.ledger.verifyInvariants()).toMatchObject({ ok: true });
  });
});
