import type { LoggerService } from '@nestjs/common';
import { Logger, type PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';

/**
 * Nest's `Logger` written straight to `root`, for the lines before the app
 * and its own nestjs-pino `Logger` exist: the same JSON as the app's lines.
 * (nestjs-pino's Logger only calls the level methods of its PinoLogger, which
 * a pino logger has; a PinoLogger itself would adopt the first root it meets
 * for good, process-wide.)
 */
export function bootstrapLogger(root: Pino): LoggerService {
  return new Logger(root as unknown as PinoLogger, {});
}
