import { Command, Help, Option } from 'nest-commander';
import { DEFAULT_DRIFT_BATCH_SIZE } from '../../economy';
import { AdminCommand } from '../admin-command';
import { CliExitCode } from '../cli-exit-code';
import { CliExitStatus } from '../cli-exit-status';
import { parsePositiveInteger } from '../cli-options';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

interface RecalcOptions {
  dryRun?: boolean;
  json?: boolean;
  batchSize?: number;
}

@Command({
  name: 'recalc-all-wallets',
  description:
    "Compare every wallet's cached balance with its ledger sum and correct the drifted ones.",
})
export class RecalcAllWalletsCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
    private readonly status: CliExitStatus,
  ) {
    super();
  }

  async run(_: string[], options: RecalcOptions): Promise<void> {
    const dryRun = options.dryRun === true;
    const { ledger } = await this.session.open();
    const progress = this.output.progress();
    const json = options.json
      ? this.output.jsonStream({ dryRun }, 'drifts')
      : null;
    let checked = 0;
    let drifted = 0;
    let corrected = 0;
    for await (const batch of ledger.scanDrift({
      batchSize: options.batchSize,
    })) {
      checked += batch.checked;
      for (const drift of batch.drifts) {
        drifted += 1;
        if (json) {
          json.item(drift);
        } else {
          this.output.line(
            `wallet ${drift.walletId} cached=${drift.cached} ledger=${drift.ledger} drift=${drift.drift}` +
              (drift.held
                ? ` held=${drift.held.cached} pending=${drift.held.pending}`
                : ''),
          );
        }
        if (!dryRun) {
          await ledger.recalcWallet(drift.walletId);
          corrected += 1;
        }
      }
      progress.update(`checked ${checked} wallets, drift in ${drifted}`);
    }
    progress.done();
    if (json) {
      json.finish({ checked, drifted, corrected });
    } else {
      this.output.line(
        `checked ${checked} wallets, drift in ${drifted}, corrected ${corrected}`,
      );
    }
    this.status.code = drifted > 0 ? CliExitCode.Found : CliExitCode.Ok;
  }

  @Help('after')
  details(): string {
    return `
Prints "wallet <id> cached=<c> ledger=<l> drift=<d>" per drifted wallet
(and " held=<h> pending=<p>" when its held total is not its pending holds'),
then "checked N wallets, drift in M, corrected K". Without --dry-run each
drifted wallet is corrected atomically under its row lock, so coins moving
meanwhile are not disturbed. Wallets are read in batches: memory stays flat
however many there are. Progress goes to stderr on a terminal. A wallet
whose ledger rows sum beyond 2^53 - 1 (written behind the service's back)
is reported exactly (in --json as a string) but cannot be corrected: a real
run stops there with exit 2.

Exit codes: 0 no drift, 1 drift found (dry run) or corrected, 2 error.`;
  }
  @Option({ flags: '--dry-run', description: 'report drift, change nothing' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({
    flags: '--json',
    description: 'print one JSON document instead of lines',
  })
  parseJson(): boolean {
    return true;
  }

  @Option({
    flags: '--batch-size <n>',
    description: `wallets compared per query (default ${DEFAULT_DRIFT_BATCH_SIZE}, at most 100000)`,
  })
  parseBatchSize(value: string): number {
    return parsePositiveInteger(value, 100_000);
  }
}
