import { Injectable } from '@nestjs/common';
import { Command, Help, Option, SubCommand } from 'nest-commander';
import type { PurchaseView } from '../../shop';
import { AdminCommand } from '../admin-command';
import { parsePositiveInteger } from '../cli-options';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

interface PurchaseOptions {
  id: number;
  json?: boolean;
}

/**
 * The options a purchase's show and refund share. Injectable so that its
 * constructor's parameter types are recorded for the subcommands that
 * inherit it.
 */
@Injectable()
abstract class OnePurchaseCommand extends AdminCommand {
  constructor(
    protected readonly session: LedgerSession,
    protected readonly output: CliOutput,
  ) {
    super();
  }

  protected print(purchase: PurchaseView, json?: boolean): void {
    if (json) {
      this.output.json(purchase);
      return;
    }
    this.output.line(
      `purchase ${purchase.id} profile ${purchase.profileId} status=${purchase.status} total=${purchase.total} hold ${purchase.holdId} transaction=${purchase.transactionId ?? 'none'} refund=${purchase.refundTransactionId ?? 'none'}`,
    );
    for (const line of purchase.lines) {
      this.output.line(
        `line sku=${line.sku} quantity=${line.quantity} unit_price=${line.unitPrice}`,
      );
    }
  }

  @Option({ flags: '--id <id>', description: 'the purchase', required: true })
  parseId(value: string): number {
    return parsePositiveInteger(value);
  }

  @Option({ flags: '--json', description: 'print one JSON document' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'show', description: 'Show a purchase, by ids.' })
export class PurchaseShowCommand extends OnePurchaseCommand {
  async run(_: string[], options: PurchaseOptions): Promise<void> {
    const { purchaseReads } = await this.session.open();
    this.print(await purchaseReads.find(options.id), options.json);
  }
}

@SubCommand({
  name: 'refund',
  description:
    'Refund a completed purchase: its total credited back (reason REFUND), its stock returned. A refunded purchase is shown as it is.',
})
export class PurchaseRefundCommand extends OnePurchaseCommand {
  async run(_: string[], options: PurchaseOptions): Promise<void> {
    const { purchases } = await this.session.open();
    this.print(await purchases.refund(options.id), options.json);
  }
}

@Command({
  name: 'purchase',
  description: 'Purchases of the shop.',
  subCommands: [PurchaseShowCommand, PurchaseRefundCommand],
})
export class PurchaseCommand extends AdminCommand {
  run(): Promise<void> {
    this.command.help();
  }

  @Help('after')
  details(): string {
    return `
Exit codes: 0 done, 2 error (an unknown purchase, or one that is not completed, included).`;
  }
}
