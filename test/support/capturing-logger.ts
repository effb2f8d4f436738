import type { LoggerService } from '@nestjs/common';

/** Keeps every line an app logs, at every level, to check what logs carry. */
export class CapturingLogger implements LoggerService {
  readonly lines: { context: string; message: string; params: string[] }[] = [];
  log = (message: unknown, ...params: unknown[]) =>
    this.capture(message, params);
  error = (message: unknown, ...params: unknown[]) =>
    this.capture(message, params);
  warn = (message: unknown, ...params: unknown[]) =>
    this.capture(message, params);
  debug = (message: unknown, ...params: unknown[]) =>
    this.capture(message, params);
  verbose = (message: unknown, ...params: unknown[]) =>
    this.capture(message, params);

  /** Everything logged, a line per call: the message and every other argument (a stack, say). */
  text(): string {
    return this.lines
      .map((line) => [line.message, ...line.params].join(' '))
      .join('\n');
  }

  // Nest passes the context last, after a stack if there is one.
  private capture(message: unknown, params: unknown[]): void {
    this.lines.push({
      context: String(params.at(-1)),
      message: String(message),
      params: params.map((param) => String(param)),
    });
  }
}
