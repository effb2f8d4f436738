import type { LedgerFacts } from './ledger-checks';
import type { Outage } from './outage';
import type { Member } from './patroni';

export interface FailoverRun {
  transfers: number;
  inFlight: number;
  killAfter: number;
  killed: { node: string; pid: number; at: number; loadStartedAt: number };
  outage: Outage;
  acknowledged: number;
  refused: string[];
  acknowledgedIds: number;
  funded: number;
  ledger: LedgerFacts;
  verify: { node: string; code: number | null; output: string };
  members: Member[];
}

export interface Verdict {
  lines: string[];
  failures: string[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The report's lines, and each reason the run fails (none: it passes). */
export function judge(run: FailoverRun): Verdict {
  const { outage, ledger, killed } = run;
  const failures: string[] = [];
  const lines = [
    `${run.transfers} keyed transfers, ${run.inFlight} in flight; primary ${killed.node} (postmaster ${killed.pid}) SIGKILLed ${seconds(killed.at - killed.loadStartedAt)} into the load, after ${run.killAfter} were acknowledged`,
  ];
  if (outage.firstFailureAt === undefined) {
    lines.push('failover: no failed answer after the kill');
  } else {
    lines.push(
      outage.recoveredAt === undefined
        ? 'failover: no 201 after the first failed answer'
        : `failover: ${seconds(outage.recoveredAt - outage.firstFailureAt)} from the first failed answer to the first 201 of a request sent after it`,
      `  first failed answer ${seconds(outage.firstFailureAt - killed.at)} after the kill, last ${seconds((outage.lastFailureAt ?? 0) - killed.at)} after it`,
    );
  }
  lines.push('answers after the kill other than 201 (count, slowest):');
  if (outage.failures.size === 0) {
    lines.push('  none');
  }
  for (const [label, { count, slowestMs }] of [
    ...outage.failures.entries(),
  ].sort((a, b) => b[1].count - a[1].count)) {
    lines.push(
      `  ${String(count).padStart(5)}  ${label.padEnd(40)} ${seconds(slowestMs)}`,
    );
  }
  lines.push(
    `201s after the kill: ${outage.acknowledgedAfterKill} (${outage.replays} replays, Idempotent-Replayed), slowest ${seconds(outage.slowestAcknowledgedMs)}`,
    `acknowledged: ${run.acknowledged} of ${run.transfers}`,
  );
  if (run.acknowledged < run.transfers) {
    failures.push(
      `${run.transfers - run.acknowledged} transfers never answered 201`,
    );
  }
  for (const refusal of run.refused) {
    failures.push(`refused for good: ${refusal}`);
  }
  lines.push(
    `acknowledged 201s lost: ${ledger.missingIds.length} (of ${run.acknowledgedIds} transaction ids answered)`,
  );
  if (ledger.missingIds.length > 0) {
    failures.push(
      `acknowledged transactions missing from the ledger: ${ledger.missingIds.slice(0, 20).join(', ')}`,
    );
  }
  lines.push(
    `transfers in the ledger: ${ledger.transfersInLedger} (one per key: ${run.transfers})`,
  );
  if (ledger.transfersInLedger !== run.transfers) {
    failures.push(
      `${ledger.transfersInLedger} transfers in the ledger for ${run.transfers} keys`,
    );
  }
  const conserved =
    ledger.balancesSum === run.funded &&
    ledger.ledgerSum === run.funded &&
    ledger.held === 0;
  lines.push(
    `conservation: balances sum ${ledger.balancesSum}, ledger sum ${ledger.ledgerSum}, funded ${run.funded}, held ${ledger.held}: ${conserved ? 'ok' : 'BROKEN'}`,
  );
  if (!conserved) {
    failures.push('coins not conserved');
  }
  lines.push(
    `verify-ledger on the new primary ${run.verify.node}: exit ${run.verify.code}`,
  );
  lines.push(...run.verify.output.split('\n').map((line) => `  ${line}`));
  if (run.verify.code !== 0) {
    failures.push(`verify-ledger exited ${run.verify.code}`);
  }
  lines.push(
    `cluster after: ${run.members.map((m) => `${m.name} ${m.role} ${m.state}`).join(', ')}`,
  );
  return { lines, failures };
}
