import { FinalRecordChange } from '../../src/database/database.errors';
import {
  SqlDatabase,
  preparedStatement,
} from '../../src/database/sql-database';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

const OPEN_WALLET = preparedStatement(
  'test_open_wallet',
  'INSERT INTO wallets (profile_id) VALUES ($1) RETURNING id',
);
const FAIL = preparedStatement('test_fail', 'SELECT 1 / 0');

describe('SqlDatabase', () => {
  let ctx: EconomyTestContext;
  let database: SqlDatabase;
  const walletCount = async (profileId: number) =>
    Number(
      (
        await ctx.dataSource.query<{ count: string }[]>(
          'SELECT count(*) FROM wallets WHERE profile_id = $1',
          [profileId],
        )
      )[0].count,
    );

  beforeAll(async () => {
    ctx = await createEconomyTestContext();
    database = ctx.get(SqlDatabase);
  });
  afterAll(() => ctx.close());

  it('commits what its work wrote', async () => {
    const profile = await ctx.createProfile();
    await database.transaction((transaction) =>
      transaction.run(OPEN_WALLET, [profile.id]),
    );
    expect(await walletCount(profile.id)).toBe(1);
  });

  it('never reports as committed a transaction a failed statement aborted', async () => {
    const profile = await ctx.createProfile();
    await expect(
      database.transaction(async (transaction) => {
        await transaction.run(OPEN_WALLET, [profile.id]);
        // Work that swallows a statement's failure, and would commit.
        await transaction.run(FAIL, []).catch(() => undefined);
        return 'done';
      }),
    ).rejects.toThrow(/aborted by a failed statement; nothing was committed/);
    expect(await walletCount(profile.id)).toBe(0);
  });

  it("answers a final record's refusal as a domain error, never a bare database error", async () => {
    const tournament = preparedStatement(
      'test_tournament',
      `INSERT INTO tournaments (name, status, winner_coins)
       VALUES ('final', 'OPEN', 10) RETURNING id`,
    );
    const raisePrize = preparedStatement(
      'test_raise_prize',
      'UPDATE tournaments SET winner_coins = winner_coins + 1 WHERE id = $1',
    );
    const [{ id }] = await database.run<{ id: string }>(tournament, []);
    const refused = database.run(raisePrize, [id]);
    await expect(refused).rejects.toBeInstanceOf(FinalRecordChange);
    await expect(refused).rejects.toMatchObject({
      code: 'FINAL_RECORD',
      message: expect.stringContaining('prize coins are fixed') as string,
    });
    const inTransaction = database.transaction((transaction) =>
      transaction.run(raisePrize, [id]),
    );
    await expect(inTransaction).rejects.toBeInstanceOf(FinalRecordChange);
  });
});
