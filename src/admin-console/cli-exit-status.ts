import { CliExitCode, describeFailure } from './cli-exit-code';

/** What the process will exit with; commands and the error handler set it. */
export class CliExitStatus {
  code: CliExitCode = CliExitCode.Ok;

  fail(error: unknown): void {
    const { code, line } = describeFailure(error);
    if (line !== null) {
      process.stderr.write(`${line}\n`);
    }
    this.code = code;
  }
}
