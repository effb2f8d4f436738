import { Command, Help, Option } from 'nest-commander';
import { CONSOLE_KEY_SCOPE, INTERNAL_META } from '../../economy';
import { AdminCommand } from '../admin-command';
import { CliOutput } from '../cli-output';
import {
  parseIdempotencyKey,
  parseNote,
  parsePositiveInteger,
  parseSignedAmount,
} from '../cli-options';
import { LedgerSession } from '../ledger-session';

interface AdjustOptions {
  profile: number;
  amount: number;
  note: string;
  operator?: number;
  idempotencyKey?: string;
  json?: boolean;
}

@Command({
  name: 'adjust',
  description:
    "Credit (positive amount) or debit (negative amount) a wallet by hand, with reason MANUAL_ADJUST; the note and the operator are kept in the transaction's meta.",
})
export class AdjustCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_: string[], options: AdjustOptions): Promise<void> {
    const { wallets } = await this.session.open();
    const movement = {
      reason: 'MANUAL_ADJUST' as const,
      idempotencyKey: options.idempotencyKey,
      // The console's keys are its own: never a payout's or an HTTP caller's.
      keyScope: CONSOLE_KEY_SCOPE,
      // The note and the operator are for the platform's eyes: players
      // never see INTERNAL_META in their history.
      meta: {
        source: 'admin-console',
        [INTERNAL_META]: {
          note: options.note,
          ...(options.operator === undefined
            ? {}
            : { operatorId: options.operator }),
        },
      },
    };
    const result =
      options.amount > 0
        ? await wallets.credit(options.profile, options.amount, movement)
        : await wallets.debit(options.profile, -options.amount, movement);
    if (options.json) {
      this.output.json(result);
    } else {
      this.output.line(
        `transaction ${result.transactionId} wallet ${result.walletId} balance_after=${result.balanceAfter}`,
      );
    }
  }

  @Help('after')
  details(): string {
    return `
Every ledger rule holds (overdraft, positive safe integers). Prints the
transaction id and the balance after; the note is stored, never printed.
With --idempotency-key a retried adjustment applies once.

Exit codes: 0 done, 2 error (a refused movement included).`;
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
    flags: '--amount <coins>',
    description:
      'signed whole number of coins: positive credits, negative debits',
    required: true,
  })
  parseAmount(value: string): number {
    return parseSignedAmount(value);
  }

  @Option({
    flags: '--note <text>',
    description: 'why (kept in meta, never printed)',
    required: true,
  })
  parseNote(value: string): string {
    return parseNote(value);
  }

  @Option({
    flags: '--operator <id>',
    description: 'profile id of the operator',
  })
  parseOperator(value: string): number {
    return parsePositiveInteger(value);
  }

  @Option({
    flags: '--idempotency-key <key>',
    description: 'makes a retried adjustment apply once',
  })
  parseIdempotencyKey(value: string): string {
    return parseIdempotencyKey(value);
  }

  @Option({ flags: '--json', description: 'print one JSON document' })
  parseJson(): boolean {
    return true;
  }
}
