import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { LedgerReason } from '../../src/economy/domain/ledger-reason';
import type { Profile } from '../../src/profiles';
import {
  IdempotencyConflict,
  InsufficientFunds,
  InvalidAmount,
} from '../../src/economy/economy.errors';
import type {
  MovementResult,
  TransferResult,
} from '../../src/economy/wallets/wallet.types';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

/*
 * Property-based tests of the ledger against the real PostgreSQL: fast-check
 * draws random scenarios, a plain TypeScript model says what must happen, and
 * the database must agree after every step. Every run works on fresh
 * profiles (and fresh idempotency keys), so runs are independent of each
 * other and of the order fast-check replays them in while shrinking.
 */

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Awaits the call and keeps either its value or its error. */
async function settle<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call };
  } catch (error) {
    return { ok: false, error };
  }
}

function valueOf<T>(outcome: Outcome<T>, what: string): T {
  if (!outcome.ok) {
    throw new Error(`${what} should have succeeded`, {
      cause: outcome.error,
    });
  }
  return outcome.value;
}

function errorOf(outcome: Outcome<unknown>, what: string): unknown {
  if (outcome.ok) {
    throw new Error(
      `${what} should have failed, got ${JSON.stringify(outcome.value)}`,
    );
  }
  return outcome.error;
}

/** A fast-check run id: keeps idempotency keys unique across runs. */
function runId(): string {
  return randomBytes(6).toString('hex');
}

const TRIGGER_FUNCTION = 'economy_test_refuse_transfer_in';
const TRIGGER = 'economy_test_refuse_transfer_in';

describe('ledger properties (fast-check against PostgreSQL)', () => {
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext();
  });

  afterAll(async () => {
    await dropRefusalTrigger();
    await ctx.close();
  });

  async function balancesOf(profiles: Profile[]): Promise<number[]> {
    const balances: number[] = [];
    for (const profile of profiles) {
      balances.push(await ctx.wallets.getBalance(profile));
    }
    return balances;
  }

  /** Ledger rows of the profiles' wallets (a profile may have no wallet). */
  async function ledgerRowsOfProfiles(profiles: Profile[]): Promise<number> {
    const [{ count }]: { count: string }[] = await ctx.dataSource.query(
      `SELECT count(*) AS count
         FROM wallet_transactions t
         JOIN wallets w ON w.id = t.wallet_id
        WHERE w.profile_id = ANY($1)`,
      [profiles.map((profile) => profile.id)],
    );
    return Number(count);
  }

  async function ledgerRowsOfWallets(walletIds: number[]): Promise<number> {
    const [{ count }]: { count: string }[] = await ctx.dataSource.query(
      'SELECT count(*) AS count FROM wallet_transactions WHERE wallet_id = ANY($1)',
      [walletIds],
    );
    return Number(count);
  }

  async function keysWithPrefix(prefix: string): Promise<string[]> {
    const rows: { key: string }[] = await ctx.dataSource.query(
      'SELECT key FROM idempotency_keys WHERE starts_with(key, $1) ORDER BY key',
      [prefix],
    );
    return rows.map((row) => row.key);
  }

  async function expectInvariantsHold(): Promise<void> {
    const report = await ctx.ledger.verifyInvariants();
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
  }

  async function walletIdOf(profile: Profile): Promise<number> {
    const { walletId } = await ctx.wallets.getWallet(profile);
    if (walletId === null) {
      throw new Error(`profile ${profile.id} should have a wallet`);
    }
    return walletId;
  }

  /**
   * A BEFORE INSERT trigger that refuses the TRANSFER_IN leg written to
   * `creditWalletId`. It also notes, in a transaction-local setting, that it
   * saw the TRANSFER_OUT leg of `debitWalletId` go in first, and puts that in
   * its error message: proof that the failure came half-way, after the debit.
   */
  async function installRefusalTrigger(
    debitWalletId: number,
    creditWalletId: number,
  ): Promise<void> {
    // The schema is the owner's to change: the service's role may not.
    await ctx.database.asOwner(async (owner) => {
      await owner.query(`
        CREATE OR REPLACE FUNCTION ${TRIGGER_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.reason = 'TRANSFER_OUT' AND NEW.wallet_id = ${debitWalletId} THEN
            PERFORM set_config('economy_test.debit_leg', NEW.wallet_id::text, true);
          END IF;
          IF NEW.reason = 'TRANSFER_IN' AND NEW.wallet_id = ${creditWalletId} THEN
            RAISE EXCEPTION 'test refuses the credit leg of wallet % (debit leg written: %)',
              NEW.wallet_id,
              coalesce(nullif(current_setting('economy_test.debit_leg', true), ''), 'none');
          END IF;
          RETURN NEW;
        END
        $$`);
      await owner.query(`
        CREATE TRIGGER ${TRIGGER}
          BEFORE INSERT ON wallet_transactions
          FOR EACH ROW EXECUTE FUNCTION ${TRIGGER_FUNCTION}()`);
    });
  }

  async function dropRefusalTrigger(): Promise<void> {
    await ctx.database.asOwner(async (owner) => {
      await owner.query(
        `DROP TRIGGER IF EXISTS ${TRIGGER} ON wallet_transactions`,
      );
      await owner.query(`DROP FUNCTION IF EXISTS ${TRIGGER_FUNCTION}()`);
    });
  }

  it('conserves coins over random transfer sequences', async () => {
    const scenario = fc.integer({ min: 2, max: 4 }).chain((wallets) =>
      fc.record({
        // 0 leaves the profile without a wallet until a transfer reaches it.
        initial: fc.array(fc.integer({ min: 0, max: 100 }), {
          minLength: wallets,
          maxLength: wallets,
        }),
        transfers: fc.array(
          fc.record({
            from: fc.nat(wallets - 1),
            offset: fc.integer({ min: 1, max: wallets - 1 }),
            amount: fc.integer({ min: 1, max: 80 }),
          }),
          { minLength: 3, maxLength: 25, size: 'medium' },
        ),
      }),
    );

    await fc.assert(
      fc.asyncProperty(scenario, async ({ initial, transfers }) => {
        const profiles = await ctx.createProfiles(initial.length);
        const model = [...initial];
        let rows = 0;
        for (const [i, amount] of initial.entries()) {
          if (amount > 0) {
            await ctx.wallets.credit(profiles[i], amount, {
              reason: 'WINNER',
            });
            rows += 1;
          }
        }
        const initialTotal = model.reduce((sum, b) => sum + b, 0);

        for (const { from, offset, amount } of transfers) {
          const to = (from + offset) % profiles.length;
          const outcome = await settle(
            ctx.wallets.transfer(profiles[from], profiles[to], amount, {
              reason: 'PURCHASE',
            }),
          );
          if (model[from] >= amount) {
            const result = valueOf(
              outcome,
              `transfer ${amount} from ${model[from]}`,
            );
            model[from] -= amount;
            model[to] += amount;
            rows += 2;
            expect(result.fromBalanceAfter).toBe(model[from]);
            expect(result.toBalanceAfter).toBe(model[to]);
          } else {
            const error = errorOf(
              outcome,
              `transfer ${amount} from ${model[from]}`,
            );
            expect(error).toBeInstanceOf(InsufficientFunds);
            expect(await balancesOf([profiles[from], profiles[to]])).toEqual([
              model[from],
              model[to],
            ]);
          }
        }

        const balances = await balancesOf(profiles);
        expect(balances).toEqual(model);
        expect(balances.reduce((sum, b) => sum + b, 0)).toBe(initialTotal);
        expect(await ledgerRowsOfProfiles(profiles)).toBe(rows);
        await expectInvariantsHold();
      }),
      { numRuns: 20 },
    );
  });

  it('never takes a wallet below zero over random debits', async () => {
    const scenario = fc.record({
      initial: fc.integer({ min: 0, max: 300 }),
      // 'all' debits exactly the current balance (or 1 from an empty wallet).
      debits: fc.array(
        fc.oneof(
          { arbitrary: fc.integer({ min: 1, max: 40 }), weight: 5 },
          { arbitrary: fc.constant('all' as const), weight: 1 },
        ),
        { minLength: 3, maxLength: 25, size: 'medium' },
      ),
    });

    await fc.assert(
      fc.asyncProperty(scenario, async ({ initial, debits }) => {
        const [profile] = await ctx.createProfiles(1);
        let model = initial;
        let movements = 0;
        if (initial > 0) {
          await ctx.wallets.credit(profile, initial, { reason: 'WINNER' });
          movements += 1;
        }

        for (const debit of debits) {
          const amount = debit === 'all' ? Math.max(model, 1) : debit;
          const outcome = await settle(
            ctx.wallets.debit(profile, amount, { reason: 'PURCHASE' }),
          );
          if (model >= amount) {
            const result = valueOf(outcome, `debit ${amount} of ${model}`);
            model -= amount;
            movements += 1;
            expect(result.balanceAfter).toBe(model);
          } else {
            const error = errorOf(outcome, `debit ${amount} of ${model}`);
            expect(error).toBeInstanceOf(InsufficientFunds);
          }
          const balance = await ctx.wallets.getBalance(profile);
          expect(balance).toBe(model);
          expect(balance).toBeGreaterThanOrEqual(0);
        }

        const history = await ctx.wallets.getTransactionHistory(profile, {
          limit: 1000,
        });
        expect(history).toHaveLength(movements);
        for (const entry of history) {
          expect(entry.balanceAfter).toBeGreaterThanOrEqual(0);
        }
        expect(history[0]?.balanceAfter ?? 0).toBe(model);
        expect(history.reduce((sum, entry) => sum + entry.amount, 0)).toBe(
          model,
        );
      }),
      { numRuns: 20 },
    );
  });

  it('replays a reused idempotency key exactly, or refuses it as a conflict', async () => {
    type Call =
      | {
          kind: 'credit' | 'debit';
          who: number;
          amount: number;
          reason: LedgerReason;
          key: number | null;
        }
      | {
          kind: 'transfer';
          from: number;
          offset: number;
          amount: number;
          reason: LedgerReason | null | undefined;
          key: number | null;
        };
    const WALLETS = 3;
    const KEYS = 3;
    // Small pools, so that keys and payloads collide often.
    const anyKey = fc.option(fc.nat(KEYS - 1), { freq: 6, nil: null });
    const anyAmount = fc.constantFrom(1, 2, 3, 5, 8);
    const anyCall: fc.Arbitrary<Call> = fc.oneof(
      fc.record({
        kind: fc.constant('credit' as const),
        who: fc.nat(WALLETS - 1),
        amount: anyAmount,
        reason: fc.constantFrom<LedgerReason>('PARTICIPATION', 'WINNER'),
        key: anyKey,
      }),
      fc.record({
        kind: fc.constant('debit' as const),
        who: fc.nat(WALLETS - 1),
        amount: anyAmount,
        reason: fc.constantFrom<LedgerReason>('PURCHASE', 'MANUAL_ADJUST'),
        key: anyKey,
      }),
      fc.record({
        kind: fc.constant('transfer' as const),
        from: fc.nat(WALLETS - 1),
        offset: fc.integer({ min: 1, max: WALLETS - 1 }),
        amount: anyAmount,
        // undefined and null both mean "no reason": the same payload.
        reason: fc.constantFrom<LedgerReason | null | undefined>(
          undefined,
          null,
          'REFUND',
        ),
        key: anyKey,
      }),
    );
    const scenario = fc.record({
      initial: fc.array(fc.integer({ min: 0, max: 12 }), {
        minLength: WALLETS,
        maxLength: WALLETS,
      }),
      first: anyCall,
      // A repeat re-issues an earlier call (same key, same payload, new meta).
      rest: fc.array(
        fc.oneof(
          { arbitrary: anyCall, weight: 3 },
          {
            arbitrary: fc.record({
              kind: fc.constant('repeat' as const),
              back: fc.nat(),
            }),
            weight: 2,
          },
        ),
        { maxLength: 24, size: 'medium' },
      ),
    });

    await fc.assert(
      fc.asyncProperty(scenario, async ({ initial, first, rest }) => {
        const calls = [first];
        for (const next of rest) {
          calls.push(
            next.kind === 'repeat' ? calls[next.back % calls.length] : next,
          );
        }
        const profiles = await ctx.createProfiles(WALLETS);
        const prefix = `prop-idem-${runId()}-`;
        const model = [...initial];
        let rows = 0;
        for (const [i, balance] of initial.entries()) {
          if (balance > 0) {
            await ctx.wallets.credit(profiles[i], balance, {
              reason: 'WINNER',
            });
            rows += 1;
          }
        }
        // The first successful use of each key: its signature and result.
        const held = new Map<
          string,
          { signature: string; result: MovementResult | TransferResult }
        >();

        for (const [step, c] of calls.entries()) {
          const idempotencyKey = c.key === null ? null : `${prefix}${c.key}`;
          const meta = { step };
          let signature: string;
          let call: Promise<MovementResult | TransferResult>;
          // What the call does when its key is not held yet.
          let fresh: {
            allowed: boolean;
            apply: () => void;
            expected: (result: MovementResult | TransferResult) => void;
          };
          if (c.kind === 'transfer') {
            const to = (c.from + c.offset) % WALLETS;
            signature = JSON.stringify([
              'TRANSFER',
              profiles[c.from].id,
              profiles[to].id,
              c.amount,
              c.reason ?? null,
            ]);
            call = ctx.wallets.transfer(
              profiles[c.from],
              profiles[to],
              c.amount,
              { reason: c.reason, idempotencyKey, meta },
            );
            fresh = {
              allowed: model[c.from] >= c.amount,
              apply: () => {
                model[c.from] -= c.amount;
                model[to] += c.amount;
                rows += 2;
              },
              expected: (result) => {
                expect(result).toMatchObject({
                  fromBalanceAfter: model[c.from],
                  toBalanceAfter: model[to],
                  idempotencyKey,
                });
              },
            };
          } else {
            const sign = c.kind === 'credit' ? 1 : -1;
            signature = JSON.stringify([
              c.kind,
              profiles[c.who].id,
              c.amount,
              c.reason,
            ]);
            const options = { reason: c.reason, idempotencyKey, meta };
            call =
              c.kind === 'credit'
                ? ctx.wallets.credit(profiles[c.who], c.amount, options)
                : ctx.wallets.debit(profiles[c.who], c.amount, options);
            fresh = {
              allowed: model[c.who] + sign * c.amount >= 0,
              apply: () => {
                model[c.who] += sign * c.amount;
                rows += 1;
              },
              expected: (result) => {
                expect(result).toMatchObject({
                  balanceAfter: model[c.who],
                  idempotencyKey,
                });
              },
            };
          }

          const outcome = await settle(call);
          const what = `step ${step}: ${JSON.stringify(c)}`;
          const earlier =
            idempotencyKey === null ? undefined : held.get(idempotencyKey);
          if (earlier !== undefined && earlier.signature === signature) {
            expect(valueOf(outcome, what)).toEqual({
              ...earlier.result,
              replayed: true,
            });
          } else if (earlier !== undefined) {
            expect(errorOf(outcome, what)).toBeInstanceOf(IdempotencyConflict);
          } else if (fresh.allowed) {
            const result = valueOf(outcome, what);
            fresh.apply();
            fresh.expected(result);
            if (idempotencyKey !== null) {
              held.set(idempotencyKey, { signature, result });
            }
          } else {
            expect(errorOf(outcome, what)).toBeInstanceOf(InsufficientFunds);
          }

          expect(await balancesOf(profiles)).toEqual(model);
          expect(await ledgerRowsOfProfiles(profiles)).toBe(rows);
          expect(await keysWithPrefix(prefix)).toEqual([...held.keys()].sort());
        }

        const walletIds: number[] = [];
        for (const profile of profiles) {
          const { walletId } = await ctx.wallets.getWallet(profile);
          if (walletId !== null) {
            walletIds.push(walletId);
          }
        }
        expect(await ledgerRowsOfWallets(walletIds)).toBe(rows);
      }),
      { numRuns: 20 },
    );
  });

  it('leaves both wallets and the ledger untouched when a transfer fails half-way', async () => {
    const scenario = fc.record({
      // (a) the credit leg would take the destination past MAX_SAFE_INTEGER.
      headroom: fc.integer({ min: 1, max: 500 }),
      excess: fc.integer({ min: 1, max: 500 }),
      slack: fc.integer({ min: 0, max: 500 }),
      // (b) a trigger refuses the credit leg.
      sourceBalance: fc.integer({ min: 1, max: 1000 }),
      destinationBalance: fc.integer({ min: 1, max: 1000 }),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
      keyed: fc.boolean(),
    });

    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const prefix = `prop-atomic-${runId()}-`;

        // (a) Overflow of the destination's balance.
        {
          const [source, destination] = await ctx.createProfiles(2);
          const sourceBalance = s.headroom + s.excess + s.slack;
          const destinationBalance = Number.MAX_SAFE_INTEGER - s.headroom;
          await ctx.wallets.credit(source, sourceBalance, { reason: 'WINNER' });
          await ctx.wallets.credit(destination, destinationBalance, {
            reason: 'MANUAL_ADJUST',
          });
          const walletIds = [
            await walletIdOf(source),
            await walletIdOf(destination),
          ];
          const idempotencyKey = s.keyed ? `${prefix}overflow` : null;
          // The source covers the amount: only the credit leg can fail.
          const amount = s.headroom + s.excess;

          const outcome = await settle(
            ctx.wallets.transfer(source, destination, amount, {
              idempotencyKey,
            }),
          );
          expect(errorOf(outcome, 'overflowing transfer')).toBeInstanceOf(
            InvalidAmount,
          );
          expect(await balancesOf([source, destination])).toEqual([
            sourceBalance,
            destinationBalance,
          ]);
          expect(await ledgerRowsOfWallets(walletIds)).toBe(2);
          expect(await keysWithPrefix(prefix)).toEqual([]);
          await expectInvariantsHold();

          // Filling the destination up to exactly MAX_SAFE_INTEGER still
          // works, even under the key the failed transfer did not claim.
          const filled = await ctx.wallets.transfer(
            source,
            destination,
            s.headroom,
            { idempotencyKey },
          );
          expect(filled.fromBalanceAfter).toBe(sourceBalance - s.headroom);
          expect(filled.toBalanceAfter).toBe(Number.MAX_SAFE_INTEGER);
          expect(await balancesOf([source, destination])).toEqual([
            sourceBalance - s.headroom,
            Number.MAX_SAFE_INTEGER,
          ]);
          expect(await ledgerRowsOfWallets(walletIds)).toBe(4);
        }

        // (b) A trigger refuses the credit leg after the debit leg is written.
        {
          const [source, destination] = await ctx.createProfiles(2);
          await ctx.wallets.credit(source, s.sourceBalance, {
            reason: 'WINNER',
          });
          await ctx.wallets.credit(destination, s.destinationBalance, {
            reason: 'WINNER',
          });
          const sourceWallet = await walletIdOf(source);
          const destinationWallet = await walletIdOf(destination);
          const idempotencyKey = s.keyed ? `${prefix}trigger` : null;
          const amount = Math.max(1, Math.ceil(s.share * s.sourceBalance));

          await installRefusalTrigger(sourceWallet, destinationWallet);
          let outcome: Outcome<TransferResult>;
          try {
            outcome = await settle(
              ctx.wallets.transfer(source, destination, amount, {
                reason: 'REFUND',
                idempotencyKey,
              }),
            );
          } finally {
            await dropRefusalTrigger();
          }
          const error = errorOf(outcome, 'refused transfer');
          expect(error).toBeInstanceOf(Error);
          expect((error as Error).message).toBe(
            `test refuses the credit leg of wallet ${destinationWallet} (debit leg written: ${sourceWallet})`,
          );
          expect(await balancesOf([source, destination])).toEqual([
            s.sourceBalance,
            s.destinationBalance,
          ]);
          expect(
            await ledgerRowsOfWallets([sourceWallet, destinationWallet]),
          ).toBe(2);
          expect(await keysWithPrefix(prefix)).toEqual(
            s.keyed ? [`${prefix}overflow`] : [],
          );
          await expectInvariantsHold();

          // Without the trigger, the same transfer goes through.
          const done = await ctx.wallets.transfer(source, destination, amount, {
            reason: 'REFUND',
            idempotencyKey,
          });
          expect(done.fromBalanceAfter).toBe(s.sourceBalance - amount);
          expect(done.toBalanceAfter).toBe(s.destinationBalance + amount);
          expect(await balancesOf([source, destination])).toEqual([
            s.sourceBalance - amount,
            s.destinationBalance + amount,
          ]);
          expect(
            await ledgerRowsOfWallets([sourceWallet, destinationWallet]),
          ).toBe(4);
          await expectInvariantsHold();
        }
      }),
      { numRuns: 20 },
    );
  });
});
