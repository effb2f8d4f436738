import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';

const ROOT = join(__dirname, '..', '..');

export interface LedgerFacts {
  /** Acknowledged transaction ids the ledger does not hold. */
  missingIds: number[];
  /** TRANSFER_OUT rows: one per transfer, however often it was sent. */
  transfersInLedger: number;
  balancesSum: number;
  ledgerSum: number;
  held: number;
}

/** What the ledger holds now, read through HAProxy (the current primary). */
export async function readLedger(
  url: string,
  acknowledgedIds: number[],
): Promise<LedgerFacts> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  try {
    const found = await client.query<{ id: string }>(
      'SELECT id FROM wallet_transactions WHERE id = ANY($1::bigint[])',
      [acknowledgedIds],
    );
    const present = new Set(found.rows.map((row) => Number(row.id)));
    const totals = await client.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM wallet_transactions WHERE reason = 'TRANSFER_OUT') AS transfers,
              (SELECT coalesce(sum(cached_balance), 0) FROM wallets) AS balances,
              (SELECT coalesce(sum(held), 0) FROM wallets) AS held,
              (SELECT coalesce(sum(amount), 0) FROM wallet_transactions) AS ledger`,
    );
    const row = totals.rows[0];
    return {
      missingIds: acknowledgedIds.filter((id) => !present.has(id)),
      transfersInLedger: Number(row.transfers),
      balancesSum: Number(row.balances),
      ledgerSum: Number(row.ledger),
      held: Number(row.held),
    };
  } finally {
    await client.end();
  }
}

/** The console's verify-ledger on `databaseUrl`: its exit code and output. */
export function verifyLedger(
  databaseUrl: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist', 'cli.js'), 'verify-ledger'],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: databaseUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output: output.trim() }));
  });
}
