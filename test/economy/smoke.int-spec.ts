import { createEconomyTestContext, type EconomyTestContext } from '../support/economy-test-context';

describe('smoke', () => {
  let ctx: EconomyTestContext;
  beforeAll(async () => {
    ctx = await createEconomyTestContext();
  });
  afterAll(() => ctx.close());

  it('sync', async () => {
    const log = await ctx.dataSource.driver.createSchemaBuilder().log();
    console.log(log.upQueries.map((q) => q.query));
  });
});
