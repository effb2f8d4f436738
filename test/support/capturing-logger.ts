import type { LoggerService, LogLevel } from '@nestjs/common';

/** Keeps every line an app logs, at every level, to check what logs carry. */
export class CapturingLogger implements LoggerService {
  readonly lines: {
    level: LogLevel;
    context: string;
    message: string;
    params: string[];
  }[] = [];
  log = (message: unknown, ...params: unknown[]) =>
    this.capture('log', message, params);
  error = (message: unknown, ...params: unknown[]) =>
    this.capture('error', message, params);
  warn = (message: unknown, ...params: unknown[]) =>
    this.capture('warn', message, params);
  debug = (message: unknown, ...params: unknown[]) =>
    this.capture('debug', message, params);
  verbose = (message: unknown, ...params: unknown[]) =>
    this.capture('verbose', message, params);

  /** Everything logged, a line per call: the message and every other argument (a stack, say). */
  text(): string {
    return this.lines
      .map((line) => [line.message, ...line.params].join(' '))
      .join('\n');
  }

  // Nest passes the context last, after a stack if there is one.
  private capture(level: LogLevel, message: unknown, params: unknown[]): void {
    this.lines.push({
      level,
      context: String(params.at(-1)),
      // A structured line (an object, such as a request line) as its JSON.
      message:
        typeof message === 'string' || message instanceof Error
          ? String(message)
          : (JSON.stringify(message) ?? String(message)),
      params: params.map((param) => String(param)),
    });
  }
}
