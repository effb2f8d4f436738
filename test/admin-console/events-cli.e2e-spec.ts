// The console's event commands: `events tail` prints the newest events (and
// with --follow, new ones until interrupted); `events prune` deletes those
// past retention.
import { WalletService } from '../../src/economy';
import { runCli, startCli } from '../support/cli-process';
import { feedSettled } from '../support/feed-horizon';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

describe('admin console: events', () => {
  let ctx: EconomyTestContext;
  let env: Record<string, string>;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({ poolSize: 4 });
    env = {
      DATABASE_URL: ctx.database.url,
      JWT_SECRET: 'x'.repeat(40),
      LOG_LEVEL: 'error',
    };
  });
  afterAll(() => ctx.close());

  it('tails the newest events, one JSON object a line', async () => {
    const [profile] = await ctx.createProfiles(1);
    const wallets = ctx.get(WalletService);
    for (const amount of [1, 2, 3]) {
      await wallets.credit(profile.id, amount, { reason: 'MANUAL_ADJUST' });
    }
    // The tail prints settled events: past every transaction still open on
    // the cluster, a neighbour suite's too.
    await feedSettled(ctx.database);
    const tail = await runCli(
      ['events', 'tail', '--lines', '2', '--json'],
      env,
    );
    expect(tail.code).toBe(0);
    const lines = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const { nextCursor } = lines.pop() as { nextCursor: string };
    expect(lines.map((event) => [event.type, event.amount])).toEqual([
      ['wallet.credited', 2],
      ['wallet.credited', 3],
    ]);
    const plain = await runCli(['events', 'tail', '--lines', '1'], env);
    expect(plain.stdout).toMatch(
      new RegExp(
        `^\\d+ \\S+ wallet\\.credited profile=${profile.id} wallet=\\d+ amount=3 \\{.*\\}\\nnext cursor: ${nextCursor.replace('.', '\\.')}\\n$`,
      ),
    );

    // The printed cursor goes on where the tail stopped.
    await wallets.credit(profile.id, 4, { reason: 'MANUAL_ADJUST' });
    await feedSettled(ctx.database);
    const after = await runCli(
      ['events', 'tail', '--after', nextCursor, '--json'],
      env,
    );
    const rest = after.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rest.slice(0, -1).map((event) => event.amount)).toEqual([4]);
    expect(rest.at(-1)!.nextCursor).not.toBe(nextCursor);
  });

  it('follows new events until interrupted, then exits 0', async () => {
    const [profile] = await ctx.createProfiles(1);
    const { child, done } = startCli(
      ['events', 'tail', '--follow', '--json', '--lines', '1'],
      env,
    );
    let seen = '';
    const printed = (text: string) =>
      new Promise<void>((resolve) => {
        const look = (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes(text)) {
            child.stdout!.off('data', look);
            resolve();
          }
        };
        child.stdout!.on('data', look);
      });
    await printed('\n');
    const credited = printed('"amount":77');
    await ctx.get(WalletService).credit(profile.id, 77, {
      reason: 'MANUAL_ADJUST',
    });
    await credited;
    child.kill('SIGINT');
    const run = await done;
    expect(run.code).toBe(0);
  });

  it('prunes events past retention and says how many', async () => {
    await ctx.database.asOwner((owner) =>
      owner.query(
        `INSERT INTO events (type, occurred_at) VALUES ('test.old', now() - interval '40 days')`,
      ),
    );
    const pruned = await runCli(['events', 'prune', '--json'], env);
    expect([pruned.code, JSON.parse(pruned.stdout)]).toEqual([
      0,
      { pruned: 1, olderThanDays: 30 },
    ]);
    const none = await runCli(
      ['events', 'prune', '--older-than-days', '1'],
      env,
    );
    expect(none.stdout.trim()).toBe('pruned 0 events older than 1 days');
    const refused = await runCli(
      ['events', 'prune', '--older-than-days', '0'],
      env,
    );
    expect(refused.code).toBe(2);
  });
});
