import { Injectable } from '@nestjs/common';
import { InvalidArgumentError } from 'commander';
import { open, unlink } from 'node:fs/promises';
import { INSTANT_FORMAT, instantOf } from '../../common/instant';
import { Command, Help, Option, SubCommand } from 'nest-commander';
import type { CampaignView } from '../../promo';
import { AdminCommand } from '../admin-command';
import { parsePositiveInteger } from '../cli-options';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

interface CreateOptions {
  name: string;
  coins: number;
  maxRedemptions?: number;
  startsAt?: Date;
  endsAt?: Date;
  code?: string;
  generate?: number;
  out?: string;
  json?: boolean;
}

/** Injectable so that its constructor's parameter types are recorded for the subcommands. */
@Injectable()
abstract class PromoSubcommand extends AdminCommand {
  constructor(
    protected readonly session: LedgerSession,
    protected readonly output: CliOutput,
  ) {
    super();
  }

  protected print(campaign: CampaignView, json?: boolean): void {
    if (json) {
      this.output.json(campaign);
      return;
    }
    this.output.line(
      `campaign ${campaign.id} coins=${campaign.coins} redeemed=${campaign.redeemed} max=${campaign.maxRedemptions ?? 'unlimited'} starts=${campaign.startsAt?.toISOString() ?? 'now'} ends=${campaign.endsAt?.toISOString() ?? 'never'}`,
    );
  }

  @Option({ flags: '--json', description: 'print one JSON document' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'create',
  description:
    'Create a campaign with one shared code (--code) or single-use codes (--generate N). The codes are shown (or written to --out) this once: the database keeps their digests only.',
})
export class PromoCreateCommand extends PromoSubcommand {
  async run(_: string[], options: CreateOptions): Promise<void> {
    // The file first: codes that could not be written after the campaign
    // exists would be lost for good (the database keeps digests only).
    const file =
      options.out === undefined
        ? undefined
        : await open(options.out, 'wx', 0o600);
    try {
      const { campaigns } = await this.session.open();
      const { codes, ...campaign } = await campaigns.create({
        name: options.name,
        coins: options.coins,
        maxRedemptions: options.maxRedemptions ?? null,
        startsAt: options.startsAt ?? null,
        endsAt: options.endsAt ?? null,
        code: options.code,
        generate: options.generate,
      });
      if (file !== undefined) {
        await file.writeFile(`${codes.join('\n')}\n`);
        this.print(campaign, options.json);
      } else if (options.json) {
        this.output.json({ ...campaign, codes });
      } else {
        this.print(campaign);
        for (const code of codes) {
          this.output.line(code);
        }
      }
    } catch (error) {
      if (file !== undefined) {
        await unlink(options.out!);
      }
      throw error;
    } finally {
      await file?.close();
    }
  }

  @Option({
    flags: '--name <text>',
    description: 'the campaign',
    required: true,
  })
  parseName(value: string): string {
    return value;
  }

  @Option({
    flags: '--coins <n>',
    description: 'coins each redemption grants',
    required: true,
  })
  parseCoins(value: string): number {
    return parsePositiveInteger(value);
  }

  @Option({
    flags: '--max-redemptions <n>',
    description: 'redemptions in all (default: unlimited)',
  })
  parseMaxRedemptions(value: string): number {
    return parsePositiveInteger(value);
  }

  @Option({
    flags: '--starts-at <time>',
    description: 'ISO 8601 with its offset (default: now)',
  })
  parseStartsAt(value: string): Date {
    return parseTime(value);
  }

  @Option({
    flags: '--ends-at <time>',
    description: 'ISO 8601 with its offset (default: never)',
  })
  parseEndsAt(value: string): Date {
    return parseTime(value);
  }

  @Option({
    flags: '--code <code>',
    description: 'one shared code: 6 to 32 of A-Z, 0-9 and -',
  })
  parseCode(value: string): string {
    return value;
  }

  @Option({
    flags: '--generate <n>',
    description: 'single-use codes to generate (1 to 10000)',
  })
  parseGenerate(value: string): number {
    return parsePositiveInteger(value);
  }

  @Option({
    flags: '--out <file>',
    description:
      'write the codes to this new file (mode 600) instead of stdout',
  })
  parseOut(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'show',
  description:
    'Show a campaign and how often it was redeemed (never its codes).',
})
export class PromoShowCommand extends PromoSubcommand {
  async run(
    _: string[],
    options: { id: number; json?: boolean },
  ): Promise<void> {
    const { campaigns } = await this.session.open();
    this.print(await campaigns.find(options.id), options.json);
  }

  @Option({ flags: '--id <id>', description: 'the campaign', required: true })
  parseId(value: string): number {
    return parsePositiveInteger(value);
  }
}

@Command({
  name: 'promo',
  description: 'Promo campaigns and their codes.',
  subCommands: [PromoCreateCommand, PromoShowCommand],
})
export class PromoCommand extends AdminCommand {
  run(): Promise<void> {
    this.command.help();
  }

  @Help('after')
  details(): string {
    return `
Exit codes: 0 done, 2 error (an unknown campaign, a taken code or bad input included).`;
  }
}

function parseTime(value: string): Date {
  const time = instantOf(value);
  if (time === null) {
    throw new InvalidArgumentError(INSTANT_FORMAT);
  }
  return time;
}
