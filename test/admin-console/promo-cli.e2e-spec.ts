// The console's promo commands as automation runs them: a campaign created
// with generated codes (printed once, or written to a file of their own),
// shown without them; the codes it printed redeem through the service with
// the same secret.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PromoModule, RedemptionService } from '../../src/promo';
import { runCli } from '../support/cli-process';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

const SECRET = 'cli-promo-secret-'.padEnd(48, 'z');

describe('admin console: promo', () => {
  let ctx: EconomyTestContext;
  let env: Record<string, string>;
  let folder: string;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({
      poolSize: 4,
      modules: [PromoModule.forRoot({ secret: SECRET })],
    });
    env = {
      DATABASE_URL: ctx.database.url,
      JWT_SECRET: 'x'.repeat(40),
      PROMO_SECRET: SECRET,
      LOG_LEVEL: 'error',
    };
    folder = await mkdtemp(join(tmpdir(), 'promo-cli-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
    await ctx.close();
  });

  it('creates a campaign, prints its codes once, shows it without them, and the codes redeem', async () => {
    const created = await runCli(
      [
        'promo',
        'create',
        '--name',
        'Cup',
        '--coins',
        '25',
        '--generate',
        '2',
        '--max-redemptions',
        '10',
        '--json',
      ],
      env,
    );
    expect(created.code).toBe(0);
    const campaign = JSON.parse(created.stdout) as {
      id: number;
      codes: string[];
    };
    expect(campaign).toMatchObject({
      name: 'Cup',
      coins: 25,
      maxRedemptions: 10,
      redeemed: 0,
    });
    expect(campaign.codes).toHaveLength(2);

    const profile = await ctx.createProfile();
    const redeemed = await ctx
      .get(RedemptionService)
      .redeem({ code: campaign.codes[0], profileId: profile.id });
    expect(redeemed).toMatchObject({ campaignId: campaign.id, coins: 25 });

    const shown = await runCli(
      ['promo', 'show', '--id', String(campaign.id)],
      env,
    );
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      `campaign ${campaign.id} coins=25 redeemed=1`,
    );
    for (const code of campaign.codes) {
      expect(shown.stdout + shown.stderr).not.toContain(code);
    }
  });

  it('writes generated codes to a new file of its owner only, and prints none', async () => {
    const out = join(folder, 'codes.txt');
    const created = await runCli(
      [
        'promo',
        'create',
        '--name',
        'Drop',
        '--coins',
        '5',
        '--generate',
        '3',
        '--out',
        out,
      ],
      env,
    );
    expect(created.code).toBe(0);
    const codes = (await readFile(out, 'utf8')).trim().split('\n');
    expect(codes).toHaveLength(3);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    for (const code of codes) {
      expect(created.stdout).not.toContain(code);
    }
    const again = await runCli(
      [
        'promo',
        'create',
        '--name',
        'Drop',
        '--coins',
        '5',
        '--generate',
        '1',
        '--out',
        out,
      ],
      env,
    );
    expect(again.code).not.toBe(0);
    // Refused before any campaign was made: no codes lost.
    const [{ n }] = await ctx.dataSource.query<{ n: string }[]>(
      "SELECT count(*) AS n FROM promo_campaigns WHERE name = 'Drop'",
    );
    expect(Number(n)).toBe(1);
  });

  it('refuses a bad campaign with exit code 2 and an unknown one too', async () => {
    const bad = await runCli(
      ['promo', 'create', '--name', 'Bad', '--coins', '5', '--code', 'ab'],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('INVALID_PROMO_INPUT');
    for (const time of ['2027-01-31T18:00:00', '2027-02-30T00:00:00Z']) {
      const refused = await runCli(
        ['promo', 'create', '--name', 'Bad', '--coins', '5', '--ends-at', time],
        env,
      );
      expect([time, refused.code]).toEqual([time, 2]);
      expect(refused.stderr).toContain('with its offset');
    }
    const unknown = await runCli(['promo', 'show', '--id', '999999'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('CAMPAIGN_NOT_FOUND');
  });
});
