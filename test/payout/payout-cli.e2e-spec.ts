import { PayoutModule } from '../../src/payout/payout.module';
import { TournamentsService } from '../../src/payout/tournaments.service';
import { runCli } from '../support/cli-process';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import {
  tournamentWithPlayers,
  verifyWithoutPayout,
} from '../support/payout-fixtures';

describe('payout commands of the admin console', () => {
  let ctx: EconomyTestContext;
  let env: Record<string, string>;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({
      poolSize: 4,
      modules: [PayoutModule],
    });
    env = { DATABASE_URL: ctx.database.url, LOG_LEVEL: 'error' };
  });
  afterAll(() => ctx.close());

  it('award-participation: 1 when it pays, 0 when already paid, 2 on error, ids only', async () => {
    const { profiles, registrations } = await tournamentWithPlayers(ctx, {
      players: 2,
      participationCoins: 30,
    });
    await verifyWithoutPayout(ctx, [registrations[0].id]);
    const args = [
      'award-participation',
      '--registration',
      String(registrations[0].id),
    ];
    const [first, second] = [await runCli(args, env), await runCli(args, env)];
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(
      new RegExp(
        `^prize \\d+ registration ${registrations[0].id} coins=30 transaction \\d+\\n$`,
      ),
    );
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('(already paid)');
    expect(await ctx.wallets.getBalance(profiles[0])).toBe(30);

    const unverified = await runCli(
      ['award-participation', '--registration', String(registrations[1].id)],
      env,
    );
    expect(unverified.code).toBe(2);
    expect(unverified.stderr).toContain(
      'error REGISTRATION_NOT_VERIFIED: registration',
    );
    for (const run of [first, second, unverified]) {
      for (const profile of profiles) {
        expect(run.stdout + run.stderr).not.toContain(profile.username);
        expect(run.stdout + run.stderr).not.toContain(profile.email);
      }
    }
  });

  it('award-placements: 1 when it pays, 0 on a re-run, 2 for a tournament not completed', async () => {
    const { tournament, registrations } = await tournamentWithPlayers(ctx, {
      players: 3,
      prizes: { WINNER: 300, RUNNER_UP: 200, TOP4: 0 },
    });
    const ids = registrations.map((r) => r.id);
    const args = ['award-placements', '--tournament', String(tournament.id)];
    const early = await runCli(args, env);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain(
      'error TOURNAMENT_NOT_COMPLETED: tournament',
    );

    await verifyWithoutPayout(ctx, ids);
    await ctx.get(TournamentsService).setPlacements(tournament.id, {
      WINNER: ids[0],
      RUNNER_UP: ids[1],
      TOP4: [ids[2]],
    });
    const paid = await runCli(args, env);
    expect(paid.code).toBe(1);
    expect(paid.stdout).toContain(
      `tournament ${tournament.id}: 2 placement prizes, 2 paid now`,
    );
    const again = await runCli(args, env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('2 placement prizes, 0 paid now');
  });

  it('backfill-participation: 2 when a registration is left unpaid, naming it by id', async () => {
    const { profiles, registrations } = await tournamentWithPlayers(ctx, {
      players: 2,
      participationCoins: 10,
    });
    // Unpayable for good: keep this the file's last backfill.
    await ctx.wallets.credit(profiles[1], Number.MAX_SAFE_INTEGER - 5, {
      reason: 'WINNER',
    });
    await verifyWithoutPayout(
      ctx,
      registrations.map((r) => r.id),
    );
    const run = await runCli(['backfill-participation'], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(
      new RegExp(
        `^checked \\d+ verified registrations, awarded \\d+, skipped \\d+, failed 1\\nregistration ${registrations[1].id} unpaid: INVALID_AMOUNT\\n$`,
      ),
    );
    expect(await ctx.wallets.getBalance(profiles[0])).toBe(10);
    for (const profile of profiles) {
      expect(run.stdout + run.stderr).not.toContain(profile.username);
    }
  });
});
