import { Inject, Injectable } from '@nestjs/common';
import { InvalidArgumentError } from 'commander';
import { Command, Help, Option, SubCommand } from 'nest-commander';
import type { Environment } from '../../config/environment';
import {
  parseEventCursor,
  type EventCursor,
  type FeedEvent,
} from '../../events';
import { AdminCommand } from '../admin-command';
import { parsePositiveInteger } from '../cli-options';
import { CliOutput } from '../cli-output';
import { CLI_ENVIRONMENT, LedgerSession } from '../ledger-session';

/** Seconds one look of `tail --follow` waits for new events: how soon CTRL-C ends it. */
const FOLLOW_WAIT_SECONDS = 1;

interface TailOptions {
  lines: number;
  after?: EventCursor;
  follow?: boolean;
  json?: boolean;
}

@Injectable()
abstract class EventsSubcommand extends AdminCommand {
  constructor(
    protected readonly session: LedgerSession,
    protected readonly output: CliOutput,
  ) {
    super();
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'tail',
  description:
    'Print the newest events (or those after --after), oldest first; --follow keeps printing new ones until interrupted.',
})
export class EventsTailCommand extends EventsSubcommand {
  async run(_: string[], options: TailOptions): Promise<void> {
    const { events } = await this.session.open();
    let page =
      options.after === undefined
        ? await events.newest(options.lines ?? 20)
        : await events.page(options.after, options.lines ?? 20);
    let stopped = false;
    const stop = () => {
      stopped = true;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      for (;;) {
        page.items.forEach((event) => this.print(event, options.json));
        if (!options.follow || stopped) {
          // Where a later `tail --after` goes on from.
          if (options.json) {
            this.output.line(JSON.stringify({ nextCursor: page.nextCursor }));
          } else {
            this.output.line(`next cursor: ${page.nextCursor}`);
          }
          return;
        }
        page = await events.page(
          parseEventCursor(page.nextCursor)!,
          100,
          FOLLOW_WAIT_SECONDS,
        );
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }

  private print(event: FeedEvent, json?: boolean): void {
    if (json) {
      // One document a line, so that a follower's output can be read as it comes.
      this.output.line(JSON.stringify(event));
      return;
    }
    this.output.line(
      `${event.id} ${event.occurredAt.toISOString()} ${event.type} profile=${event.profileId ?? '-'} wallet=${event.walletId ?? '-'} amount=${event.amount ?? '-'} ${JSON.stringify(event.data)}`,
    );
  }

  @Help('after')
  details(): string {
    return `
With --json, one JSON object a line. The last line is the cursor to go on
from with --after ({"nextCursor": ...} with --json); --follow prints none.
Exit codes: 0 done, 2 error.`;
  }

  @Option({
    flags: '--lines <count>',
    description: 'how many events to print first (default 20)',
  })
  parseLines(value: string): number {
    return parsePositiveInteger(value, 1000);
  }

  @Option({
    flags: '--after <cursor>',
    description: 'start after this cursor (a nextCursor of GET /events)',
  })
  parseAfter(value: string): EventCursor {
    const cursor = parseEventCursor(value);
    if (cursor === null) {
      throw new InvalidArgumentError('expected a cursor such as 7731.1042');
    }
    return cursor;
  }

  @Option({ flags: '--follow', description: 'keep printing new events' })
  parseFollow(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'prune',
  description:
    'Delete events older than EVENT_RETENTION_DAYS (default 30) or --older-than-days.',
})
export class EventsPruneCommand extends EventsSubcommand {
  constructor(
    session: LedgerSession,
    output: CliOutput,
    @Inject(CLI_ENVIRONMENT) private readonly environment: Environment,
  ) {
    super(session, output);
  }

  async run(
    _: string[],
    options: { olderThanDays?: number; json?: boolean },
  ): Promise<void> {
    const { events } = await this.session.open();
    const days = options.olderThanDays ?? this.environment.EVENT_RETENTION_DAYS;
    const pruned = await events.prune(days);
    if (options.json) {
      this.output.json({ pruned, olderThanDays: days });
    } else {
      this.output.line(`pruned ${pruned} events older than ${days} days`);
    }
  }

  @Help('after')
  details(): string {
    return `
Exit codes: 0 done (none pruned included), 2 error.`;
  }

  @Option({
    flags: '--older-than-days <days>',
    description: 'the retention to apply instead of EVENT_RETENTION_DAYS',
  })
  parseOlderThanDays(value: string): number {
    return parsePositiveInteger(value, 36_500);
  }
}

@Command({
  name: 'events',
  description: 'The event feed: coin movements, payouts, holds and purchases.',
  subCommands: [EventsTailCommand, EventsPruneCommand],
})
export class EventsCommand extends AdminCommand {
  run(): Promise<void> {
    this.command.help();
  }

  @Help('after')
  details(): string {
    return `
Exit codes: 0 done, 2 error.`;
  }
}
