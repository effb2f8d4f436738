import { Injectable } from '@nestjs/common';
import { InvalidArgumentError } from 'commander';
import { Command, Help, Option, SubCommand } from 'nest-commander';
import type { ItemView } from '../../shop';
import { AdminCommand } from '../admin-command';
import { parsePositiveInteger } from '../cli-options';
import { CliOutput } from '../cli-output';
import { LedgerSession } from '../ledger-session';

// Commander turns an option parser's null into '', so the words stand for
// null until the command reads them.
const UNLIMITED = 'unlimited';
const NO_LIMIT = 'none';

interface ItemOptions {
  id?: number;
  sku?: string;
  name?: string;
  price?: number;
  stock?: number | typeof UNLIMITED;
  limit?: number | typeof NO_LIMIT;
  active?: boolean;
  json?: boolean;
}

/**
 * The options an item's add and update share: its fields, and --json.
 * Injectable so that its constructor's parameter types are recorded for the
 * subcommands that inherit it.
 */
@Injectable()
abstract class ItemCommand extends AdminCommand {
  constructor(
    protected readonly session: LedgerSession,
    protected readonly output: CliOutput,
  ) {
    super();
  }

  protected print(item: ItemView, json?: boolean): void {
    if (json) {
      this.output.json(item);
    } else {
      this.output.line(itemLine(item));
    }
  }

  @Option({ flags: '--name <text>', description: 'what players see' })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--price <coins>', description: 'whole coins' })
  parsePrice(value: string): number {
    return parsePositiveInteger(value);
  }

  @Option({
    flags: '--stock <n>',
    description: 'items left, or "unlimited"',
  })
  parseStock(value: string): number | typeof UNLIMITED {
    return value === UNLIMITED ? value : parseCount(value, 0);
  }

  @Option({
    flags: '--limit <n>',
    description: 'most per profile, or "none"',
  })
  parseLimit(value: string): number | typeof NO_LIMIT {
    return value === NO_LIMIT ? value : parseCount(value, 1);
  }

  @Option({ flags: '--active <yes|no>', description: 'for sale or not' })
  parseActive(value: string): boolean {
    if (value !== 'yes' && value !== 'no') {
      throw new InvalidArgumentError('expected yes or no');
    }
    return value === 'yes';
  }

  @Option({ flags: '--json', description: 'print one JSON document' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'add', description: 'Add an item to the catalog.' })
export class ShopItemAddCommand extends ItemCommand {
  async run(_: string[], options: ItemOptions): Promise<void> {
    const { catalog } = await this.session.open();
    const item = await catalog.add({
      sku: options.sku!,
      name: options.name ?? options.sku!,
      price: options.price!,
      ...countsOf(options),
      active: options.active,
    });
    this.print(item, options.json);
  }

  @Option({
    flags: '--sku <sku>',
    description: 'its unique name',
    required: true,
  })
  parseSku(value: string): string {
    return value;
  }

  @Option({
    flags: '--price <coins>',
    description: 'whole coins',
    required: true,
  })
  override parsePrice(value: string): number {
    return parsePositiveInteger(value);
  }
}

@SubCommand({ name: 'update', description: "Change an item's fields." })
export class ShopItemUpdateCommand extends ItemCommand {
  async run(_: string[], options: ItemOptions): Promise<void> {
    const { catalog } = await this.session.open();
    const item = await catalog.update(options.id!, {
      name: options.name,
      price: options.price,
      ...countsOf(options),
      active: options.active,
    });
    this.print(item, options.json);
  }

  @Option({ flags: '--id <id>', description: 'the item', required: true })
  parseId(value: string): number {
    return parsePositiveInteger(value);
  }
}

@SubCommand({
  name: 'list',
  description: 'List every item, inactive ones too.',
})
export class ShopItemListCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(_: string[], options: { json?: boolean }): Promise<void> {
    const { catalog } = await this.session.open();
    const items = await catalog.list(true);
    if (options.json) {
      this.output.json({ items });
      return;
    }
    items.forEach((item) => this.output.line(itemLine(item)));
  }

  @Option({ flags: '--json', description: 'print one JSON document' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'item',
  description: 'Items of the catalog.',
  subCommands: [ShopItemAddCommand, ShopItemUpdateCommand, ShopItemListCommand],
})
export class ShopItemCommand extends AdminCommand {
  run(): Promise<void> {
    this.command.help();
  }
}

@Command({
  name: 'shop',
  description: 'The DeltaCoin shop: its catalog.',
  subCommands: [ShopItemCommand],
})
export class ShopCommand extends AdminCommand {
  run(): Promise<void> {
    this.command.help();
  }

  @Help('after')
  details(): string {
    return `
Exit codes: 0 done, 2 error (a refused change included).`;
  }
}

function itemLine(item: ItemView): string {
  return `item ${item.id} sku=${item.sku} price=${item.price} stock=${item.stock ?? 'unlimited'} limit=${item.perProfileLimit ?? 'none'} active=${item.active ? 'yes' : 'no'}`;
}

/** Stock and limit as the catalog takes them: null for unlimited and none. */
function countsOf(options: ItemOptions): {
  stock?: number | null;
  perProfileLimit?: number | null;
} {
  return {
    stock: options.stock === UNLIMITED ? null : options.stock,
    perProfileLimit: options.limit === NO_LIMIT ? null : options.limit,
  };
}

function parseCount(value: string, min: number): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > 2_147_483_647) {
    throw new InvalidArgumentError(`expected a whole number from ${min}`);
  }
  return parsed;
}
