import { Command, Help } from 'nest-commander';
import { AdminCommand } from '../admin-command';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

@Command({
  name: 'migrate',
  description:
    'Apply pending database migrations, each in its own transaction, and name them.',
})
export class MigrateCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(): Promise<void> {
    const { dataSource } = await this.session.open();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length === 0) {
      this.output.line('no pending migrations');
    }
    for (const migration of applied) {
      this.output.line(`applied ${migration.name}`);
    }
  }

  @Help('after')
  details(): string {
    return `
Each migration runs in its own transaction.

Exit codes: 0 done (or nothing pending), 2 error.`;
  }
}
