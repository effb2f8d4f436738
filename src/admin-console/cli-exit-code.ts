import { CommanderError } from 'commander';
import { DomainError } from '../common/domain-error';

/** The contract automation relies on. */
export enum CliExitCode {
  /** Done; nothing found. */
  Ok = 0,
  /** Something was found (drift, violations) or, in a real run, corrected. */
  Found = 1,
  /** Anything else: bad arguments, an unreachable database, a refused movement. */
  Error = 2,
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  done, nothing found
  1  drift or violations found (dry run), or corrected (real run)
  2  error: bad arguments, database unreachable, a refused movement, anything unexpected`;

/**
 * The one mapping from an error to an exit code and the one line printed on
 * stderr. Messages carry ids only; domain errors lead with their stable code.
 */
export function describeFailure(error: unknown): {
  code: CliExitCode;
  line: string | null;
} {
  if (error instanceof CommanderError) {
    // commander has printed its own message (or the help) already.
    return {
      code: error.exitCode === 0 ? CliExitCode.Ok : CliExitCode.Error,
      line: null,
    };
  }
  if (error instanceof DomainError) {
    return {
      code: CliExitCode.Error,
      line: `error ${error.code}: ${error.message}`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: CliExitCode.Error, line: `error: ${message.split('\n')[0]}` };
}
