import type { Command } from 'commander';
import { CommandRunner } from 'nest-commander';

/**
 * Base of every admin command: commander must throw, not exit, on a bad
 * argument, so that the CLI maps it to exit code 2 (commander's own is 1),
 * and stray words are bad arguments.
 */
export abstract class AdminCommand extends CommandRunner {
  override setCommand(command: Command): this {
    command.exitOverride();
    // A forgotten `--` must not turn `recalc-all-wallets dry-run` into a real run.
    command.allowExcessArguments(false);
    return super.setCommand(command);
  }
}
