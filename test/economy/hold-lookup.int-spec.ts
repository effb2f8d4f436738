// A capture finds its hold by the hold's key, however many holds are in
// flight: the plan PostgreSQL picks for it never walks the pending holds.
import { CAPTURE_HOLD } from '../../src/economy/holds/hold.statements';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

const IN_FLIGHT = 5_000;

describe('the capture of a hold', () => {
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext();
  });
  afterAll(() => ctx.close());

  it('reads the hold by its primary key, not by the index of pending holds by expiry', async () => {
    const buyer = await ctx.createProfile();
    await ctx.wallets.credit(buyer, 1_000_000, { reason: 'WINNER' });
    const hold = await ctx.wallets.hold(buyer, 10, { reason: 'PURCHASE' });
    await ctx.wallets.capture(hold.holdId);
    // Statistics taken while nothing is pending (as after a quiet hour),
    // then a crowd of checkouts in flight, none of them due.
    await ctx.database.asOwner(async (owner) => {
      await owner.query('ANALYZE holds');
      await owner.query(
        `WITH w AS (
           UPDATE wallets SET held = held + $2 WHERE profile_id = $1 RETURNING id)
         INSERT INTO holds (wallet_id, amount, reason, expires_at)
         SELECT w.id, 1, 'PURCHASE', now() + interval '1 hour'
           FROM w CROSS JOIN generate_series(1, $2::int)`,
        [buyer.id, IN_FLIGHT],
      );
    });
    const target = await ctx.wallets.hold(buyer, 10, { reason: 'PURCHASE' });

    const plan = (
      await ctx.dataSource.query<{ 'QUERY PLAN': string }[]>(
        `EXPLAIN ${CAPTURE_HOLD.text}`,
        [target.holdId, null],
      )
    ).map((line) => line['QUERY PLAN']);
    const holdScans = plan.filter((line) => /Scan.* on holds\b/.test(line));
    expect(holdScans.length).toBeGreaterThan(0);
    expect(holdScans.filter((line) => !/using holds_pkey/.test(line))).toEqual(
      [],
    );
    expect(await ctx.wallets.capture(target.holdId)).toMatchObject({
      status: 'CAPTURED',
      capturedAmount: 10,
    });
  });
});
