/**
 * `npm run bench [-- --json] [-- --only a,b]`: measures the economy against
 * an embedded PostgreSQL of its own, beside a raw-SQL baseline on the same
 * server, pool size and concurrency, and prints each service figure as a
 * ratio to it. `--only` runs the groups named (transfer-uniform,
 * transfer-hot, http (http-transfer and purchase-flow), credit (with the
 * payout scenarios, which compare to it), history, recalc).
 */
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { loadEnvironment } from '../src/config/environment';
import {
  openDatabaseServer,
  type DatabaseServer,
} from '../src/database/database-server';
import { DatabaseModule } from '../src/database/database.module';
import { logIdleConnectionError } from '../src/database/idle-connection-errors';
import { runMigrations } from '../src/database/run-migrations';
import { poolOf } from '../src/database/sql-database';
import { EconomyModule } from '../src/economy/economy.module';
import { WalletService } from '../src/economy/wallets/wallet.service';
import { PayoutModule } from '../src/payout/payout.module';
import { CampaignService, PromoModule, RedemptionService } from '../src/promo';
import { PayoutService } from '../src/payout/payout.service';
import { TournamentsService } from '../src/payout/tournaments.service';
import {
  BASELINE_FUNCTIONS,
  baselineCredit,
  baselineHistoryPage,
  baselineTransfer,
  baselineTransferBatch,
  TRANSFER_BATCH,
} from './baseline';
import {
  best,
  compare,
  compareFlows,
  CONCURRENCY,
  ratio,
  ROUNDS,
  withCommits,
  type Row,
} from './compare';
import { measure, type Measurement } from './measure';
import { measureCli } from './cli-run';
import { cpuMs, cpuSpentMs, postgresPids } from './cpu-usage';
import { startServer, type RunningServer } from './http-transfers';
import {
  seedDeepHistory,
  seedLargeLedger,
  seedVerifiedTournament,
  seedWallets,
  type SeededWallet,
} from './seed';
import { freePort } from '../test/support/free-port';

/** The second concurrency the movement scenarios run at. */
const WIDE_CONCURRENCY = 64;
const UNIFORM_WALLETS = 10_000;
const TRANSFER_OPS = 6_000;
const CREDIT_OPS = 6_000;
const HISTORY_DEPTH = 1_000_000;
const HISTORY_OPS = 3_000;
const HOT_BALANCE = 1_000_000_000_000;
const RECALC_WALLETS = 100_000;
const BACKFILL_REGISTRATIONS = 10_000;
const PLACEMENT_TOURNAMENTS = 200;
const SEQUENTIAL_CREDITS = 2_000;
const PURCHASE_OPS = 3_000;
const SHOP_ITEMS = 100;

/** Whether the group `name` runs: all do unless `--only` names some. */
function runs(name: string): boolean {
  const at = process.argv.indexOf('--only');
  return at < 0 || (process.argv[at + 1] ?? '').split(',').includes(name);
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const progress = (message: string) => {
    if (!json) {
      process.stderr.write(`${message}\n`);
    }
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'deltacrown-economy-bench-'));
  await chmod(dataDir, 0o755);
  const server = await openDatabaseServer(
    loadEnvironment({
      DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
    }),
  );
  try {
    const rows = await runScenarios(server, progress);
    if (runs('recalc')) {
      rows.push(await recalcDryRun(server, progress));
    }
    print(rows, json);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The service logs in as its own role; the seeding, VACUUM and the baseline
 * (installed and run as the owner) use the owner's.
 */
async function runScenarios(
  database: DatabaseServer,
  progress: (m: string) => void,
): Promise<Row[]> {
  await runMigrations(database.migrationUrl);
  const pool = new Pool({
    connectionString: database.migrationUrl,
    max: CONCURRENCY,
  });
  // The baseline at WIDE_CONCURRENCY has a connection per worker; the
  // service keeps its pool of CONCURRENCY and queues the rest.
  const widePool = new Pool({
    connectionString: database.migrationUrl,
    max: WIDE_CONCURRENCY,
  });
  for (const baselinePool of [pool, widePool]) {
    baselinePool.on('error', logIdleConnectionError);
  }
  for (const sql of BASELINE_FUNCTIONS) {
    await pool.query(sql);
  }
  const moduleRef = await Test.createTestingModule({
    imports: [
      DatabaseModule.forRoot({ url: database.url, poolSize: CONCURRENCY }),
      EconomyModule,
      PayoutModule,
      PromoModule.forRoot({ secret: 'bench-promo-secret-'.padEnd(48, 'x') }),
    ],
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  const wallets = moduleRef.get(WalletService);
  // What the runs commit on: the baselines' pools and the service's.
  const committing = [pool, widePool, poolOf(moduleRef.get(DataSource))];
  const rows: Row[] = [];
  try {
    progress(`seeding ${UNIFORM_WALLETS} wallets`);
    const uniform = await seedWallets(
      pool,
      UNIFORM_WALLETS,
      HOT_BALANCE,
      'uniform',
    );
    const [hot] = await seedWallets(pool, 1, HOT_BALANCE, 'hot');
    const pick = () => uniform[Math.floor(Math.random() * uniform.length)];
    const pair = () => {
      const from = pick();
      let to = pick();
      while (to === from) {
        to = pick();
      }
      return [from, to] as const;
    };
    // Warm the service's wallet cache and both pools before timing anything.
    await measure('warm-up', 2_000, CONCURRENCY, () => {
      const [from, to] = pair();
      return wallets.transfer(from.profileId, to.profileId, 1);
    });

    // The raw-SQL transfer between two random wallets: the baseline of
    // transfer-uniform, http-transfer and purchase-flow.
    const uniformBaseline = () => {
      const [from, to] = pair();
      return baselineTransfer(pool, from.walletId, to.walletId, 1);
    };
    const transferTargets = {
      uniform: {
        baseline: (on: Pool) => () => {
          const [from, to] = pair();
          return baselineTransfer(on, from.walletId, to.walletId, 1);
        },
        batch: (): [number, number] => {
          const [from, to] = pair();
          return [from.walletId, to.walletId];
        },
        service: () => {
          const [from, to] = pair();
          return wallets.transfer(from.profileId, to.profileId, 1);
        },
      },
      hot: {
        baseline: (on: Pool) => () =>
          baselineTransfer(on, hot.walletId, pick().walletId, 1),
        batch: (): [number, number] => [hot.walletId, pick().walletId],
        service: () => wallets.transfer(hot.profileId, pick().profileId, 1),
      },
    };
    for (const [spread, target] of Object.entries(transferTargets)) {
      if (!runs(`transfer-${spread}`)) {
        continue;
      }
      progress(`transfer-${spread}`);
      for (const concurrency of [CONCURRENCY, WIDE_CONCURRENCY]) {
        const on = concurrency === CONCURRENCY ? pool : widePool;
        rows.push(
          ...(await compare(
            `transfer-${spread}${concurrency === CONCURRENCY ? '' : `-c${concurrency}`}`,
            TRANSFER_OPS,
            target.baseline(on),
            target.service,
            { concurrency, commitsOn: committing },
          )),
        );
      }
      rows.push(
        await withCommits(committing, () =>
          measureBatched(`baseline-batched-${spread}`, TRANSFER_OPS, () =>
            baselineTransferBatch(
              pool,
              Array.from({ length: TRANSFER_BATCH }, target.batch),
              1,
            ),
          ),
        ),
      );
    }
    if (runs('http')) {
      progress('http warm-up');
      const server = await startServer(database, CONCURRENCY, 'warn');
      try {
        // Warm the server's connections and its wallet cache as a server in
        // steady state has them: every wallet used once (the baseline is
        // handed wallet ids, the server looks up each profile's once).
        await measure('warm-up', uniform.length / 2, CONCURRENCY, (index) =>
          server.transfer(
            uniform[2 * index].profileId,
            uniform[2 * index + 1].profileId,
            1,
          ),
        );
        const purchase = await openShop(pool, server, () => pick().profileId);
        // Statistics as a server in steady state has them. The warm-up started
        // on an empty idempotency_keys table, and the foreign-key checks the
        // server's connections planned then scan it whole; autovacuum would
        // re-plan them within a minute or so, later than the timing starts.
        // The same holds for the catalog just seeded and the shop's history
        // (openShop), and no autovacuum of the warm-ups' dead rows runs
        // inside the timing.
        await pool.query('VACUUM ANALYZE');
        progress('http-transfer and purchase-flow');
        const [baselineRow, transferRow, purchaseRow] = await compareFlows(
          'baseline-http-transfer',
          uniformBaseline,
          [
            {
              scenario: 'http-transfer',
              ops: TRANSFER_OPS,
              run: () => {
                const [from, to] = pair();
                return server.transfer(from.profileId, to.profileId, 1);
              },
              observe: cpuPerOp(server.pid, TRANSFER_OPS),
            },
            {
              scenario: 'purchase-flow',
              ops: PURCHASE_OPS,
              run: purchase,
              observe: cpuPerOp(server.pid, PURCHASE_OPS),
            },
          ],
        );
        // Round by round too: both flows ran in each round's same minutes.
        const byRound = purchaseRow.roundsPerSec!.map((perSec, round) =>
          (perSec / transferRow.roundsPerSec![round]).toFixed(2),
        );
        rows.push(baselineRow, transferRow, {
          ...purchaseRow,
          baseline: `${purchaseRow.baseline}; ${ratio(purchaseRow, transferRow).toFixed(2)}x http-transfer (rounds ${byRound.join(', ')})`,
        });
      } finally {
        await server.stop();
      }
    }
    if (runs('credit')) {
      progress('credit');
      for (const concurrency of [CONCURRENCY, WIDE_CONCURRENCY]) {
        const on = concurrency === CONCURRENCY ? pool : widePool;
        rows.push(
          ...(await compare(
            `credit${concurrency === CONCURRENCY ? '' : `-c${concurrency}`}`,
            CREDIT_OPS,
            () => baselineCredit(on, pick().walletId, 1),
            () =>
              wallets.credit(pick().profileId, 1, { reason: 'PARTICIPATION' }),
            { concurrency, commitsOn: committing },
          )),
        );
      }

      rows.push(
        ...(await payoutScenarios(
          pool,
          wallets,
          moduleRef.get(PayoutService),
          moduleRef.get(TournamentsService),
          rows.find((row) => row.scenario === 'credit')!,
          progress,
        )),
      );
      progress('promo-redeem-hot');
      rows.push(
        await promoRedeemHot(
          moduleRef.get(CampaignService),
          moduleRef.get(RedemptionService),
          uniform,
          rows.find((row) => row.scenario === 'credit')!,
        ),
      );
    }
    if (runs('history')) {
      progress(`seeding a wallet ${HISTORY_DEPTH} transactions deep`);
      const deep = await seedDeepHistory(pool, HISTORY_DEPTH);
      const { rows: bounds } = await pool.query<{ min: string }>(
        'SELECT min(id) FROM wallet_transactions WHERE wallet_id = $1',
        [deep.walletId],
      );
      // Cursors within the oldest 1% of the history: pages as deep as it goes.
      const deepCursor = () =>
        Number(bounds[0].min) +
        50 +
        Math.floor(Math.random() * (HISTORY_DEPTH / 100));
      progress('history-depth-1m');
      for (const [suffix, concurrency] of [
        ['', CONCURRENCY],
        ['-c1', 1],
      ] as const) {
        rows.push(
          ...(await compare(
            `history-depth-1m${suffix}`,
            HISTORY_OPS,
            () => baselineHistoryPage(pool, deep.walletId, deepCursor(), 50),
            () =>
              wallets.getTransactionHistory(deep.profileId, {
                limit: 50,
                cursor: deepCursor(),
              }),
            { concurrency },
          )),
        );
      }
    }
  } finally {
    await moduleRef.close();
    await pool.end();
    await widePool.end();
  }
  return rows;
}

/**
 * `backfill-10k`: the backfill of 10,000 verified registrations (credits/s,
 * as a ratio to single keyed credits from one worker, `credit-sequential`,
 * and to `credit` from 16); `award-placements`: the latency of paying one
 * completed tournament's four placements.
 */
async function payoutScenarios(
  pool: Pool,
  wallets: WalletService,
  payouts: PayoutService,
  tournaments: TournamentsService,
  credit: Measurement,
  progress: (m: string) => void,
): Promise<Row[]> {
  // Rounds interleave single keyed credits one after another (what the
  // backfill would do without batching, from one worker like the backfill
  // itself) with a backfill of a fresh tournament; best of each, as
  // `compare` does. Later backfills also check, and skip, the registrations
  // paid by earlier rounds.
  const sequentialRuns: Measurement[] = [];
  const backfillRuns: Measurement[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sequentialPlayers = await seedWallets(
      pool,
      SEQUENTIAL_CREDITS,
      0,
      `sequential-${round}`,
    );
    // Fresh statistics and no autovacuum running into either timing: a
    // table grown by thousands of rows at once is a seeding artefact. The
    // service knows these wallets already, so each credit is one statement;
    // the backfill below finds its players' wallets itself.
    await pool.query('VACUUM ANALYZE');
    await wallets.ensureWallets(
      sequentialPlayers.map((player) => player.profileId),
    );
    progress(`credit-sequential, round ${round + 1}`);
    sequentialRuns.push(
      await measure('credit-sequential', SEQUENTIAL_CREDITS, 1, (index) =>
        wallets.credit(sequentialPlayers[index].profileId, 10, {
          reason: 'PARTICIPATION',
          idempotencyKey: `bench-sequential-${round}-${index}`,
        }),
      ),
    );
    // Its players hold wallets already, as the sequential credits' players
    // do: neither side's figure includes creating wallets.
    await seedVerifiedTournament(
      pool,
      BACKFILL_REGISTRATIONS,
      10,
      `backfill-${round}`,
      true,
    );
    await pool.query('VACUUM ANALYZE');
    progress(`backfill-10k, round ${round + 1}`);
    const started = performance.now();
    const counts = await payouts.backfillParticipationForVerifiedPayments();
    const ms = performance.now() - started;
    if (counts.awarded !== BACKFILL_REGISTRATIONS) {
      throw new Error(`backfill awarded ${counts.awarded}`);
    }
    backfillRuns.push({
      scenario: 'backfill-10k',
      ops: BACKFILL_REGISTRATIONS,
      perSec: Math.round((BACKFILL_REGISTRATIONS * 1000) / ms),
      p50ms: Math.round(ms),
      p99ms: Math.round(ms),
    });
  }
  const sequential = best(sequentialRuns);
  const backfill = best(backfillRuns);

  progress('award-placements');
  const completed: number[] = [];
  for (let i = 0; i < PLACEMENT_TOURNAMENTS; i++) {
    const id = await seedVerifiedTournament(pool, 4, 0, `placements-${i}`);
    const { rows } = await pool.query<{ id: string }>(
      'SELECT id FROM registrations WHERE tournament_id = $1 ORDER BY id',
      [id],
    );
    const [winner, runnerUp, top4a, top4b] = rows.map((row) => Number(row.id));
    await tournaments.setPlacements(id, {
      WINNER: winner,
      RUNNER_UP: runnerUp,
      TOP4: [top4a, top4b],
    });
    completed.push(id);
  }
  const placements = await measure(
    'award-placements',
    PLACEMENT_TOURNAMENTS,
    1,
    (index) => payouts.awardPlacements(completed[index]),
  );
  return [
    sequential,
    {
      ...backfill,
      ratio: ratio(backfill, sequential),
      baseline: `${sequential.scenario} (${ratio(backfill, credit).toFixed(2)}x ${credit.scenario})`,
    },
    placements,
  ];
}

/**
 * The shop of `purchase-flow`, warmed up: a catalog of SHOP_ITEMS whose
 * stock is counted (so each purchase takes stock), and the flow's
 * operation, a purchase of one item picked at random and its confirm, both
 * over HTTP (each op two requests, two transactions). (One item every buyer
 * wants is a hot row, like transfer-hot's wallet: its stock update and the
 * commit after it are each purchase's turn at that row.)
 */
async function openShop(
  pool: Pool,
  server: RunningServer,
  buyer: () => number,
): Promise<() => Promise<void>> {
  await pool.query(
    `INSERT INTO shop_items (sku, name, price, stock)
     SELECT 'bench-' || n, 'Bench item ' || n, 1, 1000000000
       FROM generate_series(1, $1::int) AS n`,
    [SHOP_ITEMS],
  );
  const sku = () => `bench-${1 + Math.floor(Math.random() * SHOP_ITEMS)}`;
  const purchase = () => server.purchase(buyer(), sku());
  // A shop in steady state has a history: as many purchases as a timed run
  // makes. Statistics taken on a few hundred holds and purchases had the
  // server's connections plan the batch functions' and event triggers' key
  // lookups as scans of the whole table, kept (generic plans) while the
  // runs grew it tenfold: 400 holds read a purchase in the first run, more
  // in each after (docs/decisions.md).
  await measure('warm-up', PURCHASE_OPS, CONCURRENCY, purchase);
  return purchase;
}

/**
 * `promo-redeem-hot`: CONCURRENCY workers redeem one shared code, each
 * redemption a player of its own, the campaign's limit above the run's
 * count: every redemption updates the campaign's counter row. A ratio to
 * `credit`, the movement each redemption makes.
 */
async function promoRedeemHot(
  campaigns: CampaignService,
  redemptions: RedemptionService,
  players: SeededWallet[],
  credit: Measurement,
): Promise<Row> {
  const code = 'BENCH-HOT-CODE';
  await campaigns.create({
    name: 'bench',
    coins: 1,
    maxRedemptions: players.length,
    code,
  });
  let next = 0;
  const redeem = () =>
    redemptions.redeem({ code, profileId: players[next++].profileId });
  const ops = Math.floor(players.length / (ROUNDS + 1));
  await measure('warm-up', ops, CONCURRENCY, redeem);
  const runs: Measurement[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    runs.push(await measure('promo-redeem-hot', ops, CONCURRENCY, redeem));
  }
  const row = best(runs);
  return { ...row, ratio: ratio(row, credit), baseline: credit.scenario };
}

/**
 * `recalc-all-wallets --dry-run` of the built CLI over a database of its own
 * holding RECALC_WALLETS wallets and RECALC_WALLETS * 10 transactions, a few
 * of them drifted: wall time (process start included) and peak RSS.
 */
async function recalcDryRun(
  server: DatabaseServer,
  progress: (m: string) => void,
): Promise<Row> {
  const admin = new Pool({ connectionString: server.migrationUrl, max: 1 });
  await admin.query('CREATE DATABASE bench_recalc');
  await admin.end();
  const inRecalcDatabase = (serverUrl: string) => {
    const url = new URL(serverUrl);
    url.pathname = '/bench_recalc';
    return url.toString();
  };
  const ownerUrl = inRecalcDatabase(server.migrationUrl);
  await runMigrations(ownerUrl);
  const pool = new Pool({ connectionString: ownerUrl, max: 1 });
  progress(
    `seeding ${RECALC_WALLETS} wallets holding ${RECALC_WALLETS * 10} transactions`,
  );
  await seedLargeLedger(pool, RECALC_WALLETS, 10);
  await pool.query(
    'UPDATE wallets SET cached_balance = cached_balance + 1 WHERE id % 1000 = 0',
  );
  await pool.end();
  progress('recalc-dry-run-100k');
  const run = await measureCli(['recalc-all-wallets', '--dry-run'], {
    DATABASE_URL: inRecalcDatabase(server.url),
  });
  if (
    run.code !== 1 ||
    !run.stdout.includes(`checked ${RECALC_WALLETS} wallets, drift in 100,`)
  ) {
    throw new Error(
      `recalc-all-wallets exited ${run.code}: ${run.stdout.slice(-200)}`,
    );
  }
  const ms = Math.round(run.seconds * 1000);
  return {
    scenario: 'recalc-dry-run-100k',
    ops: RECALC_WALLETS,
    perSec: Math.round(RECALC_WALLETS / run.seconds),
    p50ms: ms,
    p99ms: ms,
    seconds: Math.round(run.seconds * 100) / 100,
    peakRssMb: run.peakRssMb,
  };
}

/**
 * Wraps a run of `ops` operations against the server `serverPid`: where the
 * CPU went, per operation: the server, this client, PostgreSQL.
 */
function cpuPerOp(
  serverPid: number,
  ops: number,
): (run: () => Promise<Measurement>) => Promise<Row> {
  const processes = () => [
    cpuMs([serverPid]),
    cpuMs([process.pid]),
    cpuMs(postgresPids()),
  ];
  return async (run) => {
    const before = processes();
    const measured = await run();
    const [server, client, postgres] = processes().map((after, i) =>
      Math.round((cpuSpentMs(before[i], after) * 1000) / ops),
    );
    return { ...measured, cpuUsPerOp: { server, client, postgres } };
  };
}

/**
 * The batched baseline: each call TRANSFER_BATCH transfers, from CONCURRENCY
 * workers; ops and ops/s count transfers, latencies are a call's.
 */
async function measureBatched(
  scenario: string,
  ops: number,
  call: () => Promise<unknown>,
): Promise<Measurement> {
  const calls = await measure(
    scenario,
    Math.ceil(ops / TRANSFER_BATCH),
    CONCURRENCY,
    call,
  );
  return {
    ...calls,
    ops: calls.ops * TRANSFER_BATCH,
    perSec: calls.perSec * TRANSFER_BATCH,
  };
}

function print(rows: Row[], json: boolean): void {
  if (json) {
    for (const row of rows) {
      process.stdout.write(`${JSON.stringify(row)}\n`);
    }
    return;
  }
  const header = [
    'scenario',
    'ops',
    'ops/s',
    'p50 ms',
    'p99 ms',
    'vs baseline / notes',
  ];
  const commits = (row: Row) =>
    row.commitsPerSec !== undefined
      ? `${row.commitsPerSec} commits/s`
      : undefined;
  const notes = (row: Row) =>
    row.cpuUsPerOp !== undefined
      ? `${row.ratio?.toFixed(2)}x ${row.baseline}; CPU µs/op: server ${row.cpuUsPerOp.server}, client ${row.cpuUsPerOp.client}, postgres ${row.cpuUsPerOp.postgres}`
      : row.ratio !== undefined
        ? `${row.ratio.toFixed(2)}x ${row.baseline}`
        : row.peakRssMb !== undefined
          ? `${row.seconds} s, peak RSS ${row.peakRssMb} MB`
          : '';
  const lines = rows.map((row) => [
    row.scenario,
    String(row.ops),
    row.perSec.toFixed(0),
    row.p50ms.toFixed(2),
    row.p99ms.toFixed(2),
    [notes(row), commits(row)].filter(Boolean).join('; '),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column].length)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  process.stdout.write(
    [
      format(header),
      format(widths.map((width) => '-'.repeat(width))),
      ...lines.map(format),
    ].join('\n') + '\n',
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
