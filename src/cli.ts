import 'reflect-metadata';
import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { Help, type Command } from 'commander';
import { CommandFactory } from 'nest-commander';
import { AdminConsoleModule } from './admin-console/admin-console.module';
import { CliExitCode, EXIT_CODES_HELP } from './admin-console/cli-exit-code';
import { CliExitStatus } from './admin-console/cli-exit-status';
import { loadEnvironment } from './config/environment';
import { logLevelsUpTo } from './config/log-levels';

/** Logs (warnings and errors, ids only) go to stderr: stdout is for results. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr');
  }
}

async function main(status: CliExitStatus): Promise<void> {
  const environment = loadEnvironment();
  const app = await CommandFactory.createWithoutRunning(
    AdminConsoleModule.forRoot(environment, status),
    {
      cliName: 'deltacrown',
      logger: new StderrLogger({
        // Quiet unless asked: warnings and errors, or LOG_LEVEL when set.
        logLevels: logLevelsUpTo(
          process.env.LOG_LEVEL ? environment.LOG_LEVEL : 'warn',
        ),
      }),
      // Throw instead of exiting, so that bad arguments map to exit code 2.
      errorHandler: (error) => {
        throw error;
      },
      serviceErrorHandler: (error) => status.fail(error),
      helpConfiguration: {
        commandUsage(this: Help, command: Command): string {
          return Help.prototype.commandUsage
            .call(this, command)
            .replace(/^\S+/, 'deltacrown');
        },
        formatHelp: (command: Command, helper: Help) =>
          Help.prototype.formatHelp.call(helper, command, helper) +
          (command.parent ? '' : `${EXIT_CODES_HELP}\n`),
      },
    },
  );
  try {
    await CommandFactory.runApplication(app);
  } finally {
    await app.close();
  }
}

// Exit explicitly with the status: nothing else decides the exit code.
const status = new CliExitStatus();
main(status).then(
  () => process.exit(status.code),
  (error: unknown) => {
    status.fail(error);
    process.exit(
      status.code === CliExitCode.Ok ? CliExitCode.Error : status.code,
    );
  },
);
