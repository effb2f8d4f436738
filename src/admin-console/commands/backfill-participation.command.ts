import { Command, Help, Option } from 'nest-commander';
import { AdminCommand } from '../admin-command';
import { CliExitCode } from '../cli-exit-code';
import { CliExitStatus } from '../cli-exit-status';
import { parsePositiveInteger } from '../cli-options';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

interface BackfillOptions {
  dryRun?: boolean;
  json?: boolean;
  batchSize?: number;
}

@Command({
  name: 'backfill-participation',
  description:
    'Pay participation to every verified registration that has no participation payout yet.',
})
export class BackfillParticipationCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
    private readonly status: CliExitStatus,
  ) {
    super();
  }

  async run(_: string[], options: BackfillOptions): Promise<void> {
    const { payouts } = await this.session.open();
    const dryRun = options.dryRun === true;
    const counts = await payouts.backfillParticipationForVerifiedPayments({
      dryRun,
      batchSize: options.batchSize,
    });
    if (options.json) {
      this.output.json({ dryRun, ...counts });
    } else {
      this.output.line(
        `checked ${counts.checked} verified registrations, ${dryRun ? 'would award' : 'awarded'} ${counts.awarded}, skipped ${counts.skipped}, failed ${counts.failed}`,
      );
      for (const { registrationId, code } of counts.refused) {
        this.output.line(`registration ${registrationId} unpaid: ${code}`);
      }
    }
    this.status.code =
      counts.failed > 0
        ? CliExitCode.Error
        : counts.awarded > 0
          ? CliExitCode.Found
          : CliExitCode.Ok;
  }

  @Help('after')
  details(): string {
    return `
Registrations are paid a batch per transaction: after a crash, run it again;
it finishes the job and pays no one twice.

A registration the economy refuses (its wallet would overflow, say) is left
unpaid and listed by id, and the others are paid all the same. A dry run
cannot tell which registrations would be refused: it counts them as awarded.

Exit codes: 0 nothing to pay, 1 something was (or in a dry run would be)
paid, 2 error, or a registration left unpaid.`;
  }

  @Option({ flags: '--dry-run', description: 'count, pay nothing' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print one JSON document' })
  parseJson(): boolean {
    return true;
  }

  @Option({
    flags: '--batch-size <n>',
    description: 'registrations per transaction (default 500, at most 10000)',
  })
  parseBatchSize(value: string): number {
    return parsePositiveInteger(value, 10_000);
  }
}
