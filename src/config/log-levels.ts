import type { LogLevel } from '@nestjs/common';
import type { Level } from 'pino';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's level names in pino's: the same order, `log` is `info`, `verbose` is `trace`. */
const PINO_LEVELS: Record<LogLevel, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** LOG_LEVEL names the most verbose level printed: it and every level above. */
export function logLevelsUpTo(level: LogLevel): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

/** The same threshold for pino: `level` and every level above it are written. */
export function pinoLevelOf(level: LogLevel): Level {
  return PINO_LEVELS[level];
}
