import type { LogLevel } from '@nestjs/common';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import type { Environment } from '../config/environment';
import { pinoLevelOf } from '../config/log-levels';

/** `json`: one object a line, for log pipelines; `pretty`: for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** As configured, else pretty for a terminal and JSON for anything else (a pipe, a file, a collector). */
export function logFormatOf(
  configured: LogFormat | undefined,
  stdoutIsTerminal: boolean,
): LogFormat {
  return configured ?? (stdoutIsTerminal ? 'pretty' : 'json');
}

/**
 * The server's one root logger, writing to `destination` (stdout unless
 * told): level names rather than numbers and ISO times, for people and
 * pipelines alike. Writes are synchronous, so that the line before an exit is
 * not lost.
 */
export function createLogOutput(
  level: LogLevel,
  format: LogFormat,
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): Pino {
  return pino(
    {
      level: pinoLevelOf(level),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    format === 'pretty'
      ? pretty({
          sync: true,
          destination,
          ignore: 'pid,hostname,context',
          messageFormat: '{if context}[{context}] {end}{msg}',
        })
      : destination,
  );
}

/** The server's logs as configured (LOG_LEVEL, LOG_FORMAT), on stdout. */
export function serverLogs(
  environment: Pick<Environment, 'LOG_LEVEL' | 'LOG_FORMAT'>,
): Pino {
  return createLogOutput(
    environment.LOG_LEVEL,
    logFormatOf(environment.LOG_FORMAT, process.stdout.isTTY === true),
  );
}
