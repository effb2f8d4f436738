import type { Command } from 'commander';
import { CommandRunner } from 'nest-commander';

/**
 * Base of every admin command: commander must throw, not exit, on a bad
 * argument, so that the CLI maps it to exit code 2 (commander's own is 1).
 */
export abstract class AdminCommand extends CommandRunner {
  override setCommand(command: Command): this {
    command.exitOverride();
    return super.setCommand(command);
  }
}
