import { Command, Help, Option } from 'nest-commander';
import { AdminCommand } from '../admin-command';
import { parsePositiveInteger } from '../cli-options';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

interface WalletOptions {
  profile: number;
  limit?: number;
  json?: boolean;
}

@Command({
  name: 'wallet',
  description:
    "Show a profile's balance and its last transactions, by id (no meta, no personal data).",
})
export class WalletCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_: string[], options: WalletOptions): Promise<void> {
    const { wallets } = await this.session.open();
    const wallet = await wallets.getWallet(options.profile);
    const history = await wallets.getTransactionHistory(options.profile, {
      limit: options.limit ?? 10,
    });
    const transactions = history.map((entry) => ({
      id: entry.id,
      amount: entry.amount,
      balanceAfter: entry.balanceAfter,
      reason: entry.reason,
      createdAt: entry.createdAt.toISOString(),
    }));
    if (options.json) {
      this.output.json({ ...wallet, transactions });
      return;
    }
    this.output.line(
      `profile ${wallet.profileId} wallet ${wallet.walletId ?? 'none'} balance=${wallet.balance} overdraft=${wallet.allowOverdraft ? 'allowed' : 'disallowed'}`,
    );
    for (const entry of transactions) {
      this.output.line(
        `transaction ${entry.id} amount=${entry.amount} balance_after=${entry.balanceAfter} reason=${entry.reason} at=${entry.createdAt}`,
      );
    }
  }

  @Help('after')
  details(): string {
    return `
Transactions are listed by id with amount, balance after, reason and time;
meta is never printed.

Exit codes: 0 done, 2 error (an unknown profile included).`;
  }
  @Option({
    flags: '--profile <id>',
    description: 'profile id',
    required: true,
  })
  parseProfile(value: string): number {
    return parsePositiveInteger(value);
  }

  @Option({
    flags: '--limit <n>',
    description: 'transactions to show (default 10, at most 1000)',
  })
  parseLimit(value: string): number {
    return parsePositiveInteger(value, 1000);
  }

  @Option({ flags: '--json', description: 'print one JSON document' })
  parseJson(): boolean {
    return true;
  }
}
