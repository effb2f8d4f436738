import {
  LedgerDatabase,
  preparedStatement,
} from '../../src/economy/persistence/ledger-database';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

const OPEN_WALLET = preparedStatement(
  'test_open_wallet',
  'INSERT INTO wallets (profile_id) VALUES ($1) RETURNING id',
);
const FAIL = preparedStatement('test_fail', 'SELECT 1 / 0');

describe('LedgerDatabase.transaction', () => {
  let ctx: EconomyTestContext;
  let database: LedgerDatabase;
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
    database = ctx.get(LedgerDatabase);
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
});
