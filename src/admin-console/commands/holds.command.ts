import { Command, Help, Option, SubCommand } from 'nest-commander';
import { AdminCommand } from '../admin-command';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

@SubCommand({
  name: 'expire',
  description:
    "Expire every pending purchase and hold past its expiry now: coins released, a purchase's stock returned (the server does this within a second).",
})
export class HoldsExpireCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_: string[], options: { json?: boolean }): Promise<void> {
    const { wallets, purchases } = await this.session.open();
    // Purchases first: each returns its stock and ends its own hold, which
    // a hold sweep alone would free while the stock stayed reserved.
    const expiredPurchases = await purchases.expireDue();
    const expired = await wallets.expireHolds();
    if (options.json) {
      this.output.json({ purchases: expiredPurchases, holds: expired });
    } else {
      this.output.line(
        `expired ${expiredPurchases} purchases and ${expired} other holds`,
      );
    }
  }

  @Help('after')
  details(): string {
    return `
Exit codes: 0 done (none expired included), 2 error.`;
  }

  @Option({ flags: '--json', description: 'print one JSON document' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'holds',
  description: 'Holds: coins reserved and not yet captured or released.',
  subCommands: [HoldsExpireCommand],
})
export class HoldsCommand extends AdminCommand {
  run(): Promise<void> {
    this.command.help();
  }

  @Help('after')
  details(): string {
    return `
Exit codes: 0 done, 2 error.`;
  }
}
