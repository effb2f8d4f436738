import { Command, Help, Option } from 'nest-commander';
import type { InvariantViolation } from '../../economy';
import { AdminCommand } from '../admin-command';
import { CliExitCode } from '../cli-exit-code';
import { CliExitStatus } from '../cli-exit-status';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

@Command({
  name: 'verify-ledger',
  description:
    "Check the ledger's invariants: cached balance == ledger sum for every wallet, no negative balance without overdraft, every transfer's two legs sum to zero, every balance_after chain consistent, every wallet's held total equal to its pending holds.",
})
export class VerifyLedgerCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
    private readonly status: CliExitStatus,
  ) {
    super();
  }

  async run(_: string[], options: { json?: boolean }): Promise<void> {
    const { ledger } = await this.session.open();
    const report = await ledger.verifyInvariants();
    if (options.json) {
      this.output.json(report);
    } else {
      for (const violation of report.violations) {
        this.output.line(describe(violation));
      }
      this.output.line(
        `checked ${report.walletsChecked} wallets, ${report.violations.length} violations` +
          (report.truncated ? ' (list truncated)' : ''),
      );
    }
    this.status.code = report.ok ? CliExitCode.Ok : CliExitCode.Found;
  }

  @Help('after')
  details(): string {
    return `
Prints each violation by wallet, transaction or transfer id, then a summary.

Exit codes: 0 clean, 1 violations, 2 error.`;
  }
  @Option({
    flags: '--json',
    description: 'print one JSON document instead of lines',
  })
  parseJson(): boolean {
    return true;
  }
}

function describe(violation: InvariantViolation): string {
  const ids = [
    violation.walletId === undefined ? null : `wallet=${violation.walletId}`,
    violation.transactionId === undefined
      ? null
      : `transaction=${violation.transactionId}`,
    violation.transferId === undefined
      ? null
      : `transfer=${violation.transferId}`,
  ].filter((part) => part !== null);
  return `${violation.kind} ${ids.join(' ')}: ${violation.detail}`;
}
