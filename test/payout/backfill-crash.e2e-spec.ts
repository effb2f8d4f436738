import { PayoutModule } from '../../src/payout/payout.module';
import { runCli, startCli } from '../support/cli-process';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import { prizeCount } from '../support/ledger-queries';

const REGISTRATIONS = 10_000;
const COINS = 15;

describe('backfill-participation after a crash', () => {
  let ctx: EconomyTestContext;
  let tournamentId: number;
  let env: Record<string, string>;

  const paidCount = () =>
    prizeCount(ctx.dataSource, { placement: 'PARTICIPATION', tournamentId });

  beforeAll(async () => {
    ctx = await createEconomyTestContext({
      poolSize: 4,
      modules: [PayoutModule],
    });
    env = { DATABASE_URL: ctx.database.url, LOG_LEVEL: 'error' };
    // Verified payments whose participation was never paid: what a crash
    // between verification and payout leaves, ten thousand times over.
    const [{ id }]: { id: string }[] = await ctx.dataSource.query(
      `INSERT INTO tournaments (name, participation_coins) VALUES ('crash cup', $1) RETURNING id`,
      [COINS],
    );
    tournamentId = Number(id);
    await ctx.dataSource.query(
      `WITH players AS (
         INSERT INTO profiles (username, email)
         SELECT 'crash-' || n, 'crash-' || n || '@example.test'
           FROM generate_series(1, $2::int) AS n
         RETURNING id
       )
       INSERT INTO registrations (tournament_id, profile_id, status, payment_verified_at)
       SELECT $1, id, 'VERIFIED', now() FROM players`,
      [tournamentId, REGISTRATIONS],
    );
  });
  afterAll(() => ctx.close());

  it('finishes the job on a second run, paying no one twice', async () => {
    const dry = await runCli(
      ['backfill-participation', '--dry-run', '--json'],
      env,
    );
    expect(dry.code).toBe(1);
    expect(JSON.parse(dry.stdout)).toEqual({
      dryRun: true,
      checked: REGISTRATIONS,
      awarded: REGISTRATIONS,
      skipped: 0,
      failed: 0,
      refused: [],
    });
    expect(await paidCount()).toBe(0);

    const first = startCli(
      ['backfill-participation', '--batch-size', '200'],
      env,
    );
    let paidAtKill = 0;
    for (let waited = 0; waited < 60_000; waited += 50) {
      paidAtKill = await paidCount();
      if (paidAtKill >= 1_000) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBeNull();
    const paidAfterCrash = await paidCount();
    expect(paidAfterCrash).toBeGreaterThanOrEqual(1_000);
    expect(paidAfterCrash).toBeLessThan(REGISTRATIONS);

    const second = await runCli(['backfill-participation', '--json'], env);
    expect(second.code).toBe(1);
    expect(JSON.parse(second.stdout)).toEqual({
      dryRun: false,
      checked: REGISTRATIONS,
      awarded: REGISTRATIONS - paidAfterCrash,
      skipped: paidAfterCrash,
      failed: 0,
      refused: [],
    });
    const third = await runCli(['backfill-participation'], env);
    expect(third.code).toBe(0);
    expect(third.stdout).toBe(
      `checked ${REGISTRATIONS} verified registrations, awarded 0, skipped ${REGISTRATIONS}, failed 0\n`,
    );

    const [ledger]: { rows: string; total: string; wallets: string }[] =
      await ctx.dataSource.query(
        `SELECT count(*) AS rows, sum(amount) AS total, count(DISTINCT wallet_id) AS wallets
           FROM wallet_transactions
          WHERE reason = 'PARTICIPATION' AND (meta->>'tournamentId')::bigint = $1`,
        [tournamentId],
      );
    expect(ledger).toEqual({
      rows: String(REGISTRATIONS),
      total: String(REGISTRATIONS * COINS),
      wallets: String(REGISTRATIONS),
    });
    expect(await paidCount()).toBe(REGISTRATIONS);
    expect(await ctx.ledger.verifyInvariants()).toMatchObject({
      ok: true,
      walletsChecked: REGISTRATIONS,
    });
  });
});
