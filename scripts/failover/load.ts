/**
 * The load and the report of `npm run test:failover` (run.sh builds the
 * cluster and starts the service first, and passes FAILOVER_CONFIG): profiles
 * funded over REST, 600 keyed transfers 16 at a time, the primary's
 * postmaster SIGKILLed after a third are acknowledged, every request retried
 * with its key and body until it answers 201; then the ledger read back
 * through HAProxy and verify-ledger run on the new primary.
 * Exit 0 when nothing acknowledged was lost, coins are conserved and
 * verify-ledger is clean; 1 when not; 2 when the run itself failed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { post } from './http-attempt';
import { keyedRequest, settleAll, type KeyedRequest } from './keyed-requests';
import { readLedger, verifyLedger } from './ledger-checks';
import { outageSeenBy } from './outage';
import {
  killPostmaster,
  leaderNode,
  waitForMembers,
  type ClusterNode,
} from './patroni';
import { judge } from './report';

const PROFILES = 32;
const FUNDS_PER_PROFILE = 100_000;
const TRANSFERS = 600;
const IN_FLIGHT = 16;
const KILL_AFTER = 200;
const MAX_TRANSFER = 100;
/** The load's whole run, outage included; past it, what is unanswered fails the run. */
const LOAD_DEADLINE_MS = 300_000;
/** How long the old primary gets to come back as a replica before the report. */
const REJOIN_WAIT_MS = 30_000;

interface Config {
  apiUrl: string;
  token: string;
  ledgerUrl: string;
  serviceRole: { user: string; password: string; database: string };
  nodes: ClusterNode[];
}

const say = (line: string) => process.stdout.write(`[failover] ${line}\n`);

async function createProfiles(config: Config): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < PROFILES; i++) {
    const created = await post(
      `${config.apiUrl}/profiles`,
      { Authorization: `Bearer ${config.token}` },
      { username: `failover_${i}`, email: `failover_${i}@example.com` },
    );
    if (created.status !== 201 || typeof created.body?.id !== 'number') {
      throw new Error(`POST /profiles answered ${created.label}`);
    }
    ids.push(created.body.id);
  }
  return ids;
}

async function fund(config: Config, profiles: number[]): Promise<void> {
  const credits = profiles.map((id) =>
    keyedRequest(`/wallets/${id}/credit`, `fund-${id}`, {
      amount: FUNDS_PER_PROFILE,
      reason: 'MANUAL_ADJUST',
    }),
  );
  await settleAll(credits, {
    ...config,
    inFlight: IN_FLIGHT,
    deadline: Date.now() + 60_000,
  });
  const unfunded = credits.filter((credit) => !credit.acknowledged);
  if (unfunded.length > 0) {
    throw new Error(`${unfunded.length} credits were not acknowledged`);
  }
}

function transfers(profiles: number[]): KeyedRequest[] {
  const pick = () => profiles[Math.floor(Math.random() * profiles.length)];
  return Array.from({ length: TRANSFERS }, (_, i) => {
    const fromProfileId = pick();
    let toProfileId = pick();
    while (toProfileId === fromProfileId) {
      toProfileId = pick();
    }
    return keyedRequest('/transfers', `failover-transfer-${i}`, {
      fromProfileId,
      toProfileId,
      amount: 1 + Math.floor(Math.random() * MAX_TRANSFER),
    });
  });
}

interface Killed {
  node: string;
  pid: number;
  at: number;
}

async function killPrimary(nodes: ClusterNode[]): Promise<Killed> {
  const primary = await leaderNode(nodes);
  const at = Date.now();
  const pid = await killPostmaster(primary);
  say(`SIGKILLed ${primary.name}'s postmaster (${pid})`);
  return { node: primary.name, pid, at };
}

function transactionIds(requests: KeyedRequest[]): number[] {
  return requests.flatMap((request) =>
    ['debitTransactionId', 'creditTransactionId']
      .map((name) => request.acknowledged?.body?.[name])
      .filter((id): id is number => typeof id === 'number'),
  );
}

async function main(): Promise<number> {
  const configFile = process.env.FAILOVER_CONFIG ?? '';
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Config;
  const profiles = await createProfiles(config);
  await fund(config, profiles);
  say(
    `${PROFILES} profiles funded with ${FUNDS_PER_PROFILE} coins each; sending ${TRANSFERS} transfers, ${IN_FLIGHT} in flight`,
  );

  const load = transfers(profiles);
  const loadStartedAt = Date.now();
  let acknowledged = 0;
  const killing: { done?: Promise<Killed> } = {};
  await settleAll(load, {
    ...config,
    inFlight: IN_FLIGHT,
    deadline: loadStartedAt + LOAD_DEADLINE_MS,
    onAcknowledged: () => {
      acknowledged += 1;
      if (acknowledged === KILL_AFTER) {
        killing.done = killPrimary(config.nodes);
        // Awaited once the load is done; a failure must not crash it first.
        killing.done.catch(() => undefined);
      }
    },
  });
  if (!killing.done) {
    throw new Error(`fewer than ${KILL_AFTER} transfers were acknowledged`);
  }
  const killed = { ...(await killing.done), loadStartedAt };
  // Every attempt's times and answer, beside the logs (FAILOVER_KEEP=1 keeps them).
  writeFileSync(
    join(dirname(configFile), 'attempts.json'),
    JSON.stringify({ killed, requests: load }),
  );
  say('load done; waiting for the old primary to rejoin');

  const members = await waitForMembers(
    config.nodes,
    (all) =>
      all.length === config.nodes.length &&
      all.every((m) => m.state === 'running' || m.state === 'streaming') &&
      all.some((m) => m.role === 'sync_standby'),
    REJOIN_WAIT_MS,
  );
  const ids = transactionIds(load);
  const ledger = await readLedger(config.ledgerUrl, ids);
  const primary = await leaderNode(config.nodes);
  const { user, password, database } = config.serviceRole;
  const verify = await verifyLedger(
    `postgres://${user}:${password}@127.0.0.1:${primary.port}/${database}`,
  );
  const { lines, failures } = judge({
    transfers: TRANSFERS,
    inFlight: IN_FLIGHT,
    killAfter: KILL_AFTER,
    killed,
    outage: outageSeenBy(load, killed.at),
    acknowledged: load.filter((request) => request.acknowledged).length,
    refused: load
      .filter((request) => request.refused)
      .map((request) => `${request.key}: ${request.refused?.label}`),
    acknowledgedIds: ids.length,
    funded: PROFILES * FUNDS_PER_PROFILE,
    ledger,
    verify: { node: primary.name, ...verify },
    members,
  });
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
  for (const failure of failures) {
    say(`FAILED: ${failure}`);
  }
  say(failures.length === 0 ? 'PASSED' : 'FAILED');
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `[failover] error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(2);
  },
);
