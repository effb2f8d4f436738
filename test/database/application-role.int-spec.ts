import { randomBytes } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { ApplicationRole1764099000000 } from '../../migrations/1764099000000-ApplicationRole';
import { canAlterLedger } from '../../src/database/ledger-alterable';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import {
  createTestDatabase,
  type TestDatabase,
} from '../support/test-database';

/**
 * The service logs in as a member of deltacrown_app (as the suite's every
 * test does): rows are its to read and write, the schema is not. Whatever
 * its code did, the ledger's triggers and constraints would hold.
 */
describe("the service's database role", () => {
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({ poolSize: 2 });
  });
  afterAll(() => ctx.close());

  it.each([
    [
      'disable a trigger of the ledger',
      'ALTER TABLE wallet_transactions DISABLE TRIGGER wallet_transactions_immutable',
    ],
    [
      'disable every trigger of a table',
      'ALTER TABLE idempotency_keys DISABLE TRIGGER ALL',
    ],
    [
      'drop a constraint',
      'ALTER TABLE wallets DROP CONSTRAINT wallets_overdraft_check',
    ],
    [
      'replace a trigger function',
      `CREATE OR REPLACE FUNCTION reject_immutable_change() RETURNS trigger
       LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
    ],
    [
      'take the tables over',
      'ALTER TABLE wallet_transactions OWNER TO CURRENT_USER',
    ],
    ['truncate the ledger', 'TRUNCATE wallet_transactions CASCADE'],
    ['drop a table', 'DROP TABLE prize_transactions'],
    ['create a table', 'CREATE TABLE shadow_ledger (id bigint)'],
    ['skip triggers in its session', 'SET session_replication_role = replica'],
    ['run a program on the server', "COPY (SELECT 1) TO PROGRAM 'true'"],
  ])('may not %s', async (_, sql) => {
    await expect(ctx.dataSource.query(sql)).rejects.toMatchObject({
      code: '42501',
    });
  });

  it('moves coins all the same, every trigger still in force', async () => {
    const [payer, payee] = await ctx.createProfiles(2);
    await ctx.wallets.credit(payer, 50, { reason: 'WINNER' });
    await ctx.wallets.transfer(payer, payee, 20);
    expect(await ctx.wallets.getBalance(payee)).toBe(20);
    expect((await ctx.ledger.verifyInvariants()).ok).toBe(true);
    expect(
      await ctx.dataSource.query(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'O'",
      ),
    ).toEqual([]);
  });

  it("is told apart from the tables' owner by the check the server makes as it starts", async () => {
    expect(await canAlterLedger(ctx.dataSource)).toBe(false);
    expect(await ctx.database.asOwner(canAlterLedger)).toBe(true);
  });
});

describe('the ApplicationRole migration', () => {
  let databases: TestDatabase[];

  beforeAll(async () => {
    databases = [await createTestDatabase(), await createTestDatabase()];
  });
  afterAll(async () => {
    for (const database of databases) {
      await database.drop();
    }
  });

  const hasGrant = (runner: QueryRunner, role: string) =>
    runner
      .query(`SELECT has_table_privilege($1, 'wallets', 'UPDATE') AS granted`, [
        role,
      ])
      .then(([{ granted }]: { granted: boolean }[]) => granted);

  it('creates its role once when two databases migrate at the same moment, and revokes what it granted', async () => {
    const role = `deltacrown_race_${randomBytes(4).toString('hex')}`;
    const migration = new ApplicationRole1764099000000(role);
    const [first, second] = databases;
    await first.asOwner((one) =>
      second.asOwner(async (other) => {
        const runners = [one.createQueryRunner(), other.createQueryRunner()];
        const [winner, loser] = runners;
        try {
          for (const runner of runners) {
            await runner.startTransaction();
          }
          await migration.up(winner);
          const [{ pid }]: { pid: number }[] = await loser.query(
            'SELECT pg_backend_pid() AS pid',
          );
          const racing = migration.up(loser);
          await waitingOnLock(winner, pid);
          await winner.commitTransaction();
          await racing;
          await loser.commitTransaction();
          expect([
            await hasGrant(winner, role),
            await hasGrant(loser, role),
          ]).toEqual([true, true]);
          for (const runner of runners) {
            await migration.down(runner);
          }
          expect([
            await hasGrant(winner, role),
            await hasGrant(loser, role),
          ]).toEqual([false, false]);
        } finally {
          for (const runner of runners) {
            await runner.release();
          }
          await one.query(`DROP ROLE IF EXISTS ${role}`);
        }
      }),
    );
  });

  it('asks to have its role created first when the migrating role may not create it', async () => {
    const role = `deltacrown_missing_${randomBytes(4).toString('hex')}`;
    // The service's own role may not create roles.
    const ctx = await createEconomyTestContext({ shared: databases[0] });
    const runner = ctx.dataSource.createQueryRunner();
    try {
      await expect(
        new ApplicationRole1764099000000(role).up(runner),
      ).rejects.toThrow(
        new RegExp(
          `role ${role} is missing, and \\w+ may not create it: have it created first`,
        ),
      );
    } finally {
      await runner.release();
      await ctx.close();
    }
  });
});

/** Until the session `pid` waits for a lock another transaction holds. */
async function waitingOnLock(
  observer: QueryRunner,
  pid: number,
): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const [{ waiting }]: { waiting: boolean }[] = await observer.query(
      `SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1`,
      [pid],
    );
    if (waiting) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`session ${pid} never waited for the other's role`);
}
