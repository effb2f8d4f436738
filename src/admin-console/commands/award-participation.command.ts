import { Command, Help, Option } from 'nest-commander';
import { AdminCommand } from '../admin-command';
import { CliExitCode } from '../cli-exit-code';
import { CliExitStatus } from '../cli-exit-status';
import { parsePositiveInteger } from '../cli-options';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

@Command({
  name: 'award-participation',
  description:
    "Pay a verified registration's participation coins, exactly once.",
})
export class AwardParticipationCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
    private readonly status: CliExitStatus,
  ) {
    super();
  }

  async run(_: string[], options: { registration: number }): Promise<void> {
    const { payouts } = await this.session.open();
    const { prizes: record, paidNow } = await payouts.awardParticipation(
      options.registration,
    );
    if (record === null) {
      this.output.line(
        `registration ${options.registration}: no participation coins to pay`,
      );
      return;
    }
    this.output.line(
      `prize ${record.id} registration ${record.registrationId} coins=${record.coins} transaction ${record.walletTransactionId}${paidNow === 0 ? ' (already paid)' : ''}`,
    );
    this.status.code = paidNow === 0 ? CliExitCode.Ok : CliExitCode.Found;
  }

  @Help('after')
  details(): string {
    return `
Re-running it pays nothing more and prints the same prize transaction.

Exit codes: 0 nothing to pay or already paid, 1 paid now, 2 error.`;
  }

  @Option({
    flags: '--registration <id>',
    description: 'registration id',
    required: true,
  })
  parseRegistration(value: string): number {
    return parsePositiveInteger(value);
  }
}
