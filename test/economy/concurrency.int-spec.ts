import { InsufficientFunds } from '../../src/economy/economy.errors';
import { SqlDatabase } from '../../src/database/sql-database';
import { postgresErrorOf } from '../../src/database/postgres-error';
import type { Profile } from '../../src/profiles';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import { totalCoins } from '../support/ledger-queries';

const WALLETS = 20;
const TRANSFERS = 400;
const CONNECTIONS = 10;

/** A small deterministic PRNG, so a failing run can be replayed by its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('concurrent transfers', () => {
  let ctx: EconomyTestContext;
  let profiles: Profile[];
  const databaseErrors: string[] = [];

  beforeAll(async () => {
    ctx = await createEconomyTestContext({ poolSize: CONNECTIONS });
    profiles = await ctx.createProfiles(WALLETS);
    for (const [i, profile] of profiles.entries()) {
      // Uneven balances, so that some transfers must be refused.
      await ctx.wallets.credit(profile, 50 + i * 10, { reason: 'WINNER' });
    }
    // Record every error PostgreSQL raises under the services, retried or not.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound by apply below
    const run = SqlDatabase.prototype.run;
    jest.spyOn(SqlDatabase.prototype, 'run').mockImplementation(async function (
      this: SqlDatabase,
      ...args
    ) {
      try {
        return await run.apply(this, args);
      } catch (error) {
        databaseErrors.push(postgresErrorOf(error).code ?? 'unknown');
        throw error;
      }
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await ctx.close();
  });
  beforeEach(() => {
    databaseErrors.length = 0;
  });

  async function inWorkers<T>(
    tasks: (() => Promise<T>)[],
    workers: number,
  ): Promise<PromiseSettledResult<T>[]> {
    const outcomes: PromiseSettledResult<T>[] = new Array(tasks.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let i = next++; i < tasks.length; i = next++) {
          try {
            outcomes[i] = { status: 'fulfilled', value: await tasks[i]() };
          } catch (reason) {
            outcomes[i] = { status: 'rejected', reason };
          }
        }
      }),
    );
    return outcomes;
  }

  it(`keeps every coin through ${TRANSFERS} random transfers among ${WALLETS} wallets on ${CONNECTIONS} connections`, async () => {
    const rand = random(20_261_125);
    const before = await totalCoins(ctx.dataSource);
    const tasks = Array.from({ length: TRANSFERS }, () => {
      const from = profiles[Math.floor(rand() * WALLETS)];
      let to = profiles[Math.floor(rand() * WALLETS)];
      while (to === from) {
        to = profiles[Math.floor(rand() * WALLETS)];
      }
      const amount = 1 + Math.floor(rand() * 60);
      return () => ctx.wallets.transfer(from, to, amount);
    });

    const outcomes = await inWorkers(tasks, CONNECTIONS * 2);

    const failures = outcomes.filter((o) => o.status === 'rejected');
    expect(
      failures.filter(
        (o) =>
          o.status === 'rejected' && !(o.reason instanceof InsufficientFunds),
      ),
    ).toEqual([]);
    expect(outcomes.length - failures.length).toBeGreaterThan(TRANSFERS / 2);
    expect(await totalCoins(ctx.dataSource)).toBe(before);
    for (const profile of profiles) {
      expect(await ctx.wallets.getBalance(profile)).toBeGreaterThanOrEqual(0);
    }
    expect(await ctx.ledger.verifyInvariants()).toMatchObject({
      ok: true,
      violations: [],
    });
    // Locks are taken in ascending wallet id order: no deadlock to retry.
    expect(databaseErrors.filter((code) => code !== '23514')).toEqual([]);
  });

  it('never deadlocks on transfers crossing the same two wallets in both directions', async () => {
    const [a, b] = await ctx.createProfiles(2);
    await ctx.wallets.credit(a, 100, { reason: 'WINNER' });
    await ctx.wallets.credit(b, 100, { reason: 'WINNER' });
    const before = await totalCoins(ctx.dataSource);
    const tasks = Array.from(
      { length: 200 },
      (_, i) => () =>
        i % 2 === 0
          ? ctx.wallets.transfer(a, b, 1)
          : ctx.wallets.transfer(b, a, 1),
    );
    const outcomes = await inWorkers(tasks, CONNECTIONS * 2);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(databaseErrors).toEqual([]);
    expect(await totalCoins(ctx.dataSource)).toBe(before);
    expect((await ctx.ledger.verifyInvariants()).ok).toBe(true);
  });

  it('lets concurrent debits of one wallet spend exactly its balance, never more', async () => {
    const [profile] = await ctx.createProfiles(1);
    await ctx.wallets.credit(profile, 100, { reason: 'WINNER' });
    const outcomes = await inWorkers(
      Array.from(
        { length: 60 },
        () => () => ctx.wallets.debit(profile, 7, { reason: 'PURCHASE' }),
      ),
      CONNECTIONS * 2,
    );
    const succeeded = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(succeeded).toBe(Math.floor(100 / 7));
    expect(await ctx.wallets.getBalance(profile)).toBe(100 - 7 * succeeded);
    expect((await ctx.ledger.verifyInvariants()).ok).toBe(true);
  });
});
