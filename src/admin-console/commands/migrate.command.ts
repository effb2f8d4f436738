import { Command, Help } from 'nest-commander';
import { runMigrations } from '../../database/run-migrations';
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
    const applied = await runMigrations(await this.session.migrationUrl());
    if (applied.length === 0) {
      this.output.line('no pending migrations');
    }
    for (const name of applied) {
      this.output.line(`applied ${name}`);
    }
  }

  @Help('after')
  details(): string {
    return `
Each migration runs in its own transaction, as the schema's owner
(DATABASE_MIGRATION_URL, or DATABASE_URL when unset).

Exit codes: 0 done (or nothing pending), 2 error.`;
  }
}
