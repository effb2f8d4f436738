import fc from 'fast-check';
import { HoldState, InsufficientFunds } from '../../src/economy';
import type { Profile } from '../../src/profiles';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

/*
 * Random interleavings of holds, captures (whole and partial), releases,
 * expiries, transfers and debits over three wallets, against a model that
 * says what each wallet's balance and held total must be. After every run:
 * no wallet without overdraft spends past what it has (available >= 0),
 * each held total is its pending holds' sum, each balance its ledger's sum,
 * and the invariants verify-ledger checks hold.
 */
type Step =
  | { kind: 'hold'; who: number; amount: number; short: boolean }
  | { kind: 'capture'; pick: number; part: number }
  | { kind: 'release'; pick: number }
  | { kind: 'transfer'; from: number; to: number; amount: number }
  | { kind: 'debit'; who: number; amount: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('hold' as const),
    who: fc.nat(2),
    amount: fc.integer({ min: 1, max: 60 }),
    short: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('capture' as const),
    pick: fc.nat(),
    part: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('transfer' as const),
    from: fc.nat(2),
    to: fc.nat(2),
    amount: fc.integer({ min: 1, max: 60 }),
  }),
  fc.record({
    kind: fc.constant('debit' as const),
    who: fc.nat(2),
    amount: fc.integer({ min: 1, max: 60 }),
  }),
);

interface ModelHold {
  id: number;
  who: number;
  amount: number;
  /** Placed to expire at the end of the run. */
  short: boolean;
  open: boolean;
}

describe('hold properties (fast-check against PostgreSQL)', () => {
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext();
  });
  afterAll(() => ctx.close());

  it('keeps balances, held totals and the ledger in agreement whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 5, maxLength: 25 }),
        async (steps) => {
          const profiles: Profile[] = await ctx.createProfiles(3);
          const balance = [100, 100, 100];
          const held = [0, 0, 0];
          for (const profile of profiles) {
            await ctx.wallets.credit(profile, 100, { reason: 'WINNER' });
          }
          const holds: ModelHold[] = [];
          const pending = () => holds.filter((hold) => hold.open);
          const available = (who: number) => balance[who] - held[who];
          for (const s of steps) {
            await apply(s);
          }
          // Expiry: the short holds' second passes, and the sweep frees them.
          if (pending().some((hold) => hold.short)) {
            await new Promise((resolve) => setTimeout(resolve, 1100));
            await ctx.wallets.expireHolds();
            for (const hold of pending().filter((h) => h.short)) {
              hold.open = false;
              held[hold.who] -= hold.amount;
            }
          }
          for (const [who, profile] of profiles.entries()) {
            const wallet = await ctx.wallets.getWallet(profile);
            expect({ who, balance: wallet.balance, held: wallet.held }).toEqual(
              {
                who,
                balance: balance[who],
                held: held[who],
              },
            );
            expect(wallet.available).toBeGreaterThanOrEqual(0);
          }
          const report = await ctx.ledger.verifyInvariants();
          expect(report.violations).toEqual([]);

          async function apply(s: Step): Promise<void> {
            switch (s.kind) {
              case 'hold': {
                const fits = s.amount <= available(s.who);
                const placing = ctx.wallets.hold(profiles[s.who], s.amount, {
                  reason: 'PURCHASE',
                  expiresInSeconds: s.short ? 1 : 600,
                });
                if (!fits) {
                  await expect(placing).rejects.toBeInstanceOf(
                    InsufficientFunds,
                  );
                  return;
                }
                const { holdId } = await placing;
                holds.push({
                  id: holdId,
                  who: s.who,
                  amount: s.amount,
                  short: s.short,
                  open: true,
                });
                held[s.who] += s.amount;
                return;
              }
              case 'capture':
              case 'release': {
                const open = pending().filter((hold) => !hold.short);
                const closed = holds.filter((hold) => !hold.open);
                if (open.length === 0) {
                  if (closed.length > 0) {
                    const hold = closed[s.pick % closed.length];
                    await expect(
                      ctx.wallets.release(hold.id),
                    ).rejects.toBeInstanceOf(HoldState);
                  }
                  return;
                }
                const hold = open[s.pick % open.length];
                hold.open = false;
                held[hold.who] -= hold.amount;
                if (s.kind === 'release') {
                  await ctx.wallets.release(hold.id);
                  return;
                }
                const amount = Math.max(
                  1,
                  Math.ceil((hold.amount * s.part) / 100),
                );
                await ctx.wallets.capture(hold.id, { amount });
                balance[hold.who] -= amount;
                return;
              }
              case 'transfer': {
                const moving =
                  s.from === s.to
                    ? null
                    : ctx.wallets.transfer(
                        profiles[s.from],
                        profiles[s.to],
                        s.amount,
                      );
                if (moving === null) {
                  return;
                }
                if (s.amount > available(s.from)) {
                  await expect(moving).rejects.toBeInstanceOf(
                    InsufficientFunds,
                  );
                  return;
                }
                await moving;
                balance[s.from] -= s.amount;
                balance[s.to] += s.amount;
                return;
              }
              case 'debit': {
                const debiting = ctx.wallets.debit(profiles[s.who], s.amount, {
                  reason: 'PURCHASE',
                });
                if (s.amount > available(s.who)) {
                  await expect(debiting).rejects.toBeInstanceOf(
                    InsufficientFunds,
                  );
                  return;
                }
                await debiting;
                balance[s.who] -= s.amount;
                return;
              }
            }
          }
        },
      ),
      { numRuns: 12, endOnFailure: true },
    );
  });
});
