import { Command, Help, Option } from 'nest-commander';
import { AdminCommand } from '../admin-command';
import { CliExitCode } from '../cli-exit-code';
import { CliExitStatus } from '../cli-exit-status';
import { parsePositiveInteger } from '../cli-options';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

@Command({
  name: 'award-placements',
  description:
    'Pay the WINNER, RUNNER_UP and TOP4 prizes of a completed tournament, exactly once.',
})
export class AwardPlacementsCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
    private readonly status: CliExitStatus,
  ) {
    super();
  }

  async run(_: string[], options: { tournament: number }): Promise<void> {
    const { payouts } = await this.session.open();
    const { prizes: records, paidNow } = await payouts.awardPlacements(
      options.tournament,
    );
    for (const record of records) {
      this.output.line(
        `prize ${record.id} ${record.placement} registration ${record.registrationId} coins=${record.coins} transaction ${record.walletTransactionId}`,
      );
    }
    this.output.line(
      `tournament ${options.tournament}: ${records.length} placement prizes, ${paidNow} paid now`,
    );
    this.status.code = paidNow > 0 ? CliExitCode.Found : CliExitCode.Ok;
  }

  @Help('after')
  details(): string {
    return `
All placements are paid in one transaction, or none. Re-running it pays
nothing more and prints the same prize transactions.

Exit codes: 0 nothing to pay or already paid, 1 paid now, 2 error.`;
  }

  @Option({
    flags: '--tournament <id>',
    description: 'tournament id',
    required: true,
  })
  parseTournament(value: string): number {
    return parsePositiveInteger(value);
  }
}
