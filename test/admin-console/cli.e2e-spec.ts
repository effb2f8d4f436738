import { JwtService } from '@nestjs/jwt';
import { mkdtemp, readFile, rm, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '../../src/profiles';
import { InsufficientFunds } from '../../src/economy/economy.errors';
import { runCli, type CliRun } from '../support/cli-process';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import { createTestDatabase } from '../support/test-database';

interface WalletRow {
  id: string;
  cached_balance: string;
  updated_at: Date;
}

describe('admin console (deltacrown CLI)', () => {
  let ctx: EconomyTestContext;
  let env: Record<string, string>;
  let profiles: Profile[];
  let walletIds: number[];
  const outputs: CliRun[] = [];

  const cli = async (...args: string[]): Promise<CliRun> => {
    const run = await runCli(args, env);
    outputs.push(run);
    return run;
  };
  const wallets = async (): Promise<WalletRow[]> =>
    ctx.dataSource.query(
      'SELECT id, cached_balance, updated_at FROM wallets ORDER BY id',
    );
  const injectDrift = (walletId: number, cached: number) =>
    ctx.dataSource.query(
      'UPDATE wallets SET cached_balance = $2 WHERE id = $1',
      [walletId, cached],
    );

  beforeAll(async () => {
    ctx = await createEconomyTestContext({ poolSize: 8 });
    env = {
      DATABASE_URL: ctx.database.url,
      JWT_SECRET: 'x'.repeat(40),
      LOG_LEVEL: 'error',
    };
    profiles = await ctx.createProfiles(6);
    walletIds = [];
    for (const [i, profile] of profiles.slice(0, 4).entries()) {
      walletIds.push(
        (await ctx.wallets.credit(profile, 100 * (i + 1), { reason: 'WINNER' }))
          .walletId,
      );
    }
    // An empty wallet, and an overdrawn one (overdraft allowed).
    walletIds.push(
      (await ctx.wallets.setOverdraft(profiles[4], false)).walletId!,
    );
    await ctx.wallets.setOverdraft(profiles[5], true);
    walletIds.push(
      (await ctx.wallets.debit(profiles[5], 40, { reason: 'PURCHASE' }))
        .walletId,
    );
  });
  afterAll(() => ctx.close());

  describe('help and arguments', () => {
    it('describes every command, its options and its exit codes', async () => {
      const commands = [
        'recalc-all-wallets',
        'verify-ledger',
        'adjust',
        'wallet',
        'migrate',
        'token',
        'shop',
        'purchase',
        'holds',
        'promo',
      ];
      const root = await cli('--help');
      expect(root.code).toBe(0);
      expect(root.stdout).toContain('Exit codes:');
      for (const command of commands) {
        expect(root.stdout).toContain(command);
      }
      const helps = await Promise.all(
        commands.map((command) => cli(command, '--help')),
      );
      for (const help of helps) {
        expect(help.code).toBe(0);
        expect(help.stdout).toMatch(/Exit codes: 0 /);
      }
      expect(helps[0].stdout).toContain('--dry-run');
      expect(helps[0].stdout).toContain('--batch-size <n>');
    });

    it('exits 2 on bad arguments, with the reason on stderr', async () => {
      const cases: [string, string[]][] = [
        ['an unknown option', ['recalc-all-wallets', '--bogus']],
        ['a stray word (a forgotten --)', ['recalc-all-wallets', 'dry-run']],
        ['an unknown command', ['frobnicate']],
        ['no command', []],
        ['a zero batch size', ['recalc-all-wallets', '--batch-size', '0']],
        [
          'a fractional batch size',
          ['recalc-all-wallets', '--batch-size', '2.5'],
        ],
        [
          'a missing required option',
          ['adjust', '--profile', '1', '--amount', '5'],
        ],
        [
          'a zero amount',
          ['adjust', '--profile', '1', '--amount', '0', '--note', 'x'],
        ],
        [
          'a fractional amount',
          ['adjust', '--profile', '1', '--amount', '1.5', '--note', 'x'],
        ],
        [
          'an empty note',
          ['adjust', '--profile', '1', '--amount', '5', '--note', ' '],
        ],
        [
          'a role outside the set',
          ['token', '--profile', '1', '--role', 'root'],
        ],
        [
          'a malformed ttl',
          ['token', '--profile', '1', '--role', 'admin', '--ttl', 'soon'],
        ],
        [
          'a ttl over a year (every token expires)',
          ['token', '--profile', '1', '--role', 'admin', '--ttl', '366d'],
        ],
        [
          'a ttl of 999,999,999 days',
          ['token', '--profile', '1', '--role', 'admin', '--ttl', '999999999d'],
        ],
        ['a malformed profile id', ['wallet', '--profile', 'abc']],
        ['a limit above 1000', ['wallet', '--profile', '1', '--limit', '1001']],
      ];
      const runs = await Promise.all(cases.map(([, args]) => cli(...args)));
      const outcomes = runs.map((run, i) => ({
        case: cases[i][0],
        code: run.code,
        stdout: run.stdout,
        reasonOnStderr: /error|Usage/.test(run.stderr),
      }));
      expect(outcomes).toEqual(
        cases.map(([name]) => ({
          case: name,
          code: 2,
          stdout: '',
          reasonOnStderr: true,
        })),
      );
    });

    it('exits 2 with a one-line reason when the database is unreachable', async () => {
      const run = await runCli(['verify-ledger'], {
        DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:9/nowhere',
        LOG_LEVEL: 'error',
      });
      outputs.push(run);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines[lines.length - 1]).toMatch(/^error: .*ECONNREFUSED/);
    });

    it('exits 2 on a bad configuration value', async () => {
      const run = await runCli(['verify-ledger'], {
        DATABASE_POOL_SIZE: 'many',
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('DATABASE_POOL_SIZE');
    });
  });

  describe('recalc-all-wallets', () => {
    it('exits 0 on a ledger without drift', async () => {
      const run = await cli('recalc-all-wallets', '--dry-run');
      expect(run.stdout).toBe('checked 6 wallets, drift in 0, corrected 0\n');
      expect(run.code).toBe(0);
    });

    it('finds injected drift in a dry run, one line per wallet, and changes nothing', async () => {
      await injectDrift(walletIds[1], 5);
      await injectDrift(walletIds[4], 3);
      await injectDrift(walletIds[5], -10);
      const before = await wallets();

      const run = await cli(
        'recalc-all-wallets',
        '--dry-run',
        '--batch-size',
        '2',
      );

      expect(run.code).toBe(1);
      expect(run.stdout.split('\n')).toEqual([
        `wallet ${walletIds[1]} cached=5 ledger=200 drift=-195`,
        `wallet ${walletIds[4]} cached=3 ledger=0 drift=3`,
        `wallet ${walletIds[5]} cached=-10 ledger=-40 drift=30`,
        'checked 6 wallets, drift in 3, corrected 0',
        '',
      ]);
      expect(await wallets()).toEqual(before);

      const json = await cli('recalc-all-wallets', '--dry-run', '--json');
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toEqual({
        dryRun: true,
        checked: 6,
        drifted: 3,
        corrected: 0,
        drifts: [
          { walletId: walletIds[1], cached: 5, ledger: 200, drift: -195 },
          { walletId: walletIds[4], cached: 3, ledger: 0, drift: 3 },
          { walletId: walletIds[5], cached: -10, ledger: -40, drift: 30 },
        ],
      });
      expect(await wallets()).toEqual(before);
    });

    it('corrects exactly the drifted wallets in a real run, then finds none', async () => {
      const before = await wallets();
      const run = await cli('recalc-all-wallets', '--json');
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({
        dryRun: false,
        checked: 6,
        drifted: 3,
        corrected: 3,
      });
      const after = await wallets();
      const drifted = new Set([walletIds[1], walletIds[4], walletIds[5]]);
      for (const [i, row] of after.entries()) {
        if (drifted.has(Number(row.id))) {
          expect(row.updated_at.getTime()).toBeGreaterThan(
            before[i].updated_at.getTime(),
          );
        } else {
          expect(row).toEqual(before[i]);
        }
      }
      expect(after.map((row) => row.cached_balance)).toEqual([
        '100',
        '200',
        '300',
        '400',
        '0',
        '-40',
      ]);
      const again = await cli('recalc-all-wallets');
      expect(again.code).toBe(0);
      expect(again.stdout).toBe('checked 6 wallets, drift in 0, corrected 0\n');
    });
  });

  describe('verify-ledger', () => {
    it('prints each violation by id and exits 1', async () => {
      await injectDrift(walletIds[2], 7);
      const run = await cli('verify-ledger');
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        `BALANCE_DRIFT wallet=${walletIds[2]}: cached 7, ledger 300`,
      );
      expect(run.stdout).toContain('1 violations');
      const json = await cli('verify-ledger', '--json');
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({
        ok: false,
        violations: [{ kind: 'BALANCE_DRIFT', walletId: walletIds[2] }],
      });
      await ctx.ledger.recalcWallet(walletIds[2]);
    });
  });

  describe('adjust', () => {
    it('credits and debits through every ledger rule, leaving an audit trail', async () => {
      const [profile, operator] = profiles;
      const credit = await cli(
        'adjust',
        '--profile',
        String(profile.id),
        '--amount',
        '25',
        '--note',
        'support ticket 4411',
        '--operator',
        String(operator.id),
      );
      expect(credit.code).toBe(0);
      const match = /^transaction (\d+) wallet (\d+) balance_after=125\n$/.exec(
        credit.stdout,
      );
      expect(match).not.toBeNull();
      const [row]: { reason: string; amount: string; meta: unknown }[] =
        await ctx.dataSource.query(
          'SELECT reason, amount, meta FROM wallet_transactions WHERE id = $1',
          [Number(match![1])],
        );
      expect(row).toEqual({
        reason: 'MANUAL_ADJUST',
        amount: '25',
        meta: {
          source: 'admin-console',
          internal: { note: 'support ticket 4411', operatorId: operator.id },
        },
      });
      expect(credit.stdout).not.toContain('support ticket');

      const debit = await cli(
        'adjust',
        '--profile',
        String(profile.id),
        '--amount',
        '-20',
        '--note',
        'chargeback',
      );
      expect(debit.code).toBe(0);
      expect(debit.stdout).toMatch(/balance_after=105\n$/);

      const refused = await cli(
        'adjust',
        '--profile',
        String(profile.id),
        '--amount',
        '-1000',
        '--note',
        'too much',
      );
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim()).toBe(
        `error INSUFFICIENT_FUNDS: insufficient funds: profile ${profile.id}`,
      );
      expect(await ctx.wallets.getBalance(profile)).toBe(105);
    });

    it('applies a retried adjustment once with an idempotency key', async () => {
      const args = [
        'adjust',
        '--profile',
        String(profiles[1].id),
        '--amount',
        '7',
        '--note',
        'goodwill',
        '--idempotency-key',
        `goodwill-${profiles[1].id}`,
        '--json',
      ];
      const [first, second] = [await cli(...args), await cli(...args)];
      expect(first.code).toBe(0);
      expect(JSON.parse(second.stdout)).toEqual({
        ...JSON.parse(first.stdout),
        replayed: true,
      });
      expect(await ctx.wallets.getBalance(profiles[1])).toBe(207);
    });

    it("keeps its keys apart from every other caller's, a payout's included", async () => {
      // The key a tournament payout uses for this wallet's WINNER prize.
      const payoutKey = `WINNER:t:1:w:${walletIds[2]}`;
      await ctx.wallets.credit(profiles[2], 500, {
        reason: 'WINNER',
        idempotencyKey: payoutKey,
      });
      const run = await cli(
        'adjust',
        '--profile',
        String(profiles[2].id),
        '--amount',
        '500',
        '--note',
        'same key, another movement',
        '--idempotency-key',
        payoutKey,
        '--json',
      );
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        idempotencyKey: payoutKey,
        replayed: false,
      });
      const keys = await ctx.dataSource.query<{ idempotency_key: string }[]>(
        `SELECT idempotency_key FROM wallet_transactions
          WHERE wallet_id = $1 AND idempotency_key IS NOT NULL
          ORDER BY id`,
        [walletIds[2]],
      );
      expect(keys.map((row) => row.idempotency_key)).toEqual([
        payoutKey,
        expect.stringMatching(/^console:/),
      ]);
    });

    it('exits 2 for an unknown profile', async () => {
      const run = await cli(
        'adjust',
        '--profile',
        '987654',
        '--amount',
        '5',
        '--note',
        'x',
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error PROFILE_NOT_FOUND');
    });
  });

  describe('wallet', () => {
    it('shows the balance and the last transactions by id', async () => {
      const run = await cli(
        'wallet',
        '--profile',
        String(profiles[0].id),
        '--limit',
        '2',
      );
      expect(run.code).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines[0]).toBe(
        `profile ${profiles[0].id} wallet ${walletIds[0]} balance=105 overdraft=disallowed`,
      );
      expect(lines).toHaveLength(3);
      expect(lines[1]).toMatch(
        /^transaction \d+ amount=-20 balance_after=105 reason=MANUAL_ADJUST at=\S+Z$/,
      );
      const json = await cli(
        'wallet',
        '--profile',
        String(profiles[5].id),
        '--json',
      );
      expect(JSON.parse(json.stdout)).toMatchObject({
        walletId: walletIds[5],
        balance: -40,
        allowOverdraft: true,
        transactions: [{ amount: -40, reason: 'PURCHASE' }],
      });
    });

    it('exits 2 for an unknown profile', async () => {
      const run = await cli('wallet', '--profile', '987654');
      expect(run.code).toBe(2);
      expect(run.stderr.trim()).toBe(
        'error PROFILE_NOT_FOUND: unknown profile 987654',
      );
    });
  });

  describe('migrate', () => {
    it("applies pending migrations as DATABASE_MIGRATION_URL's role and says which, then that none are pending", async () => {
      const fresh = await createTestDatabase({ migrate: false });
      const urls = {
        DATABASE_URL: fresh.url,
        DATABASE_MIGRATION_URL: fresh.ownerUrl,
      };
      try {
        const first = await runCli(['migrate'], urls);
        outputs.push(first);
        expect(first.code).toBe(0);
        expect(first.stdout).toMatch(/^applied LedgerCore\d+\n/);
        const second = await runCli(['migrate'], urls);
        expect(second.stdout).toBe('no pending migrations\n');
        expect(second.code).toBe(0);
        // The schema is the owner's; the service's role works on its rows.
        const owners = await fresh.asOwner((owner) =>
          owner.query(
            "SELECT DISTINCT tableowner AS role FROM pg_tables WHERE schemaname = 'public'",
          ),
        );
        expect(owners).toEqual([{ role: new URL(fresh.ownerUrl).username }]);
        expect((await runCli(['verify-ledger'], urls)).code).toBe(0);
      } finally {
        await fresh.drop();
      }
    });

    it('fails, naming the reason, as a role that may not change the schema', async () => {
      const fresh = await createTestDatabase({ migrate: false });
      try {
        const run = await runCli(['migrate'], { DATABASE_URL: fresh.url });
        outputs.push(run);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/permission denied for schema public/);
      } finally {
        await fresh.drop();
      }
    });
  });

  describe('token', () => {
    it('signs a JWT with JWT_SECRET for an existing profile', async () => {
      const run = await cli(
        'token',
        '--profile',
        String(profiles[2].id),
        '--role',
        'service',
        '--ttl',
        '15m',
      );
      expect(run.code).toBe(0);
      const claims = await new JwtService().verifyAsync<{
        sub: string;
        roles: string[];
        iat: number;
        exp: number;
      }>(run.stdout.trim(), { secret: env.JWT_SECRET, algorithms: ['HS256'] });
      expect(claims).toMatchObject({
        sub: String(profiles[2].id),
        roles: ['service'],
      });
      expect(claims.exp - claims.iat).toBe(15 * 60);
    });

    it('signs no token living past JWT_MAX_TTL, which the server would refuse', async () => {
      const args = ['token', '--profile', '1', '--role', 'admin', '--ttl'];
      const longer = await runCli([...args, '2h'], {
        ...env,
        JWT_MAX_TTL: '1h',
      });
      expect(longer.code).toBe(2);
      expect(longer.stderr).toMatch(/at most 1h \(JWT_MAX_TTL\)/);
      const within = await runCli([...args, '1h'], {
        ...env,
        JWT_MAX_TTL: '1h',
      });
      expect(within.code).toBe(0);
    });

    it('without JWT_SECRET signs with a secret generated once in DATA_DIR', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'deltacrown-cli-token-'));
      await chmod(dataDir, 0o755);
      try {
        const noSecret = { DATABASE_URL: ctx.database.url, DATA_DIR: dataDir };
        const args = [
          'token',
          '--profile',
          String(profiles[0].id),
          '--role',
          'admin',
        ];
        const [first, second] = [
          await runCli(args, noSecret),
          await runCli(args, noSecret),
        ];
        outputs.push(first, second);
        expect(first.code).toBe(0);
        const secretFile = join(dataDir, 'jwt-secret');
        expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
        const secret = (await readFile(secretFile, 'utf8')).trim();
        for (const run of [first, second]) {
          await expect(
            new JwtService().verifyAsync(run.stdout.trim(), { secret }),
          ).resolves.toMatchObject({
            sub: String(profiles[0].id),
            roles: ['admin'],
          });
        }
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });

    it('exits 2 for a player token of an unknown profile', async () => {
      const run = await cli('token', '--profile', '987654', '--role', 'player');
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
    });

    it('signs an admin token for an id that is no profile: the first operator of a fresh install', async () => {
      const run = await cli('token', '--profile', '987654', '--role', 'admin');
      expect(run.code).toBe(0);
      await expect(
        new JwtService().verifyAsync(run.stdout.trim(), {
          secret: env.JWT_SECRET,
          algorithms: ['HS256'],
        }),
      ).resolves.toMatchObject({ sub: '987654', roles: ['admin'] });
    });
  });

  describe('while transfers are in flight', () => {
    it('corrects only the injected drift, under each wallet row lock', async () => {
      const movers = await ctx.createProfiles(6);
      const moverWallets: number[] = [];
      for (const mover of movers) {
        moverWallets.push(
          (await ctx.wallets.credit(mover, 500, { reason: 'WINNER' })).walletId,
        );
      }
      // Two of the wallets in traffic drift; the recalculation must fix them
      // without disturbing the coins moving through them.
      const drifted = [moverWallets[0], moverWallets[3]];
      await injectDrift(drifted[0], 1_000);
      await injectDrift(drifted[1], 2_000);
      let moving = true;
      let transfers = 0;
      const traffic = (async () => {
        for (let i = 0; moving; i++) {
          try {
            await ctx.wallets.transfer(
              movers[i % 6],
              movers[(i + 1 + (i % 5)) % 6],
              1 + (i % 9),
            );
            transfers += 1;
          } catch (error) {
            expect(error).toBeInstanceOf(InsufficientFunds);
          }
        }
      })();
      const run = await cli('recalc-all-wallets', '--batch-size', '3');
      moving = false;
      await traffic;

      expect(run.code).toBe(1);
      expect(run.stdout).toContain('drift in 2, corrected 2');
      expect(transfers).toBeGreaterThan(0);
      // No drift is left and no coin was created or lost: the only findings
      // are the balance_after rows the drifted wallets wrote before their
      // correction, chained to the wrong cached balance (the ledger keeps them).
      const report = await ctx.ledger.verifyInvariants();
      for (const violation of report.violations) {
        expect(violation.kind).toBe('BROKEN_BALANCE_CHAIN');
        expect(drifted).toContain(violation.walletId);
      }
      const [{ cached, ledger }]: { cached: string; ledger: string }[] =
        await ctx.dataSource.query(
          `SELECT (SELECT sum(cached_balance) FROM wallets WHERE id = ANY($1)) AS cached,
                  (SELECT sum(amount) FROM wallet_transactions WHERE wallet_id = ANY($1)) AS ledger`,
          [moverWallets],
        );
      expect([Number(cached), Number(ledger)]).toEqual([3_000, 3_000]);
      const again = await cli('recalc-all-wallets', '--dry-run');
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/drift in 0, corrected 0\n$/);
    });
  });

  it('never prints a username or an email, whatever the command or its outcome', () => {
    expect(outputs.length).toBeGreaterThan(30);
    const printed = outputs.map((run) => run.stdout + run.stderr).join('\n');
    for (const profile of profiles) {
      expect(printed).not.toContain(profile.username);
      expect(printed).not.toContain(profile.email);
    }
  });
});
