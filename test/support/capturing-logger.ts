import type { LoggerService } from '@nestjs/common';

/** Keeps every line an app logs, at every level, to check what logs carry. */
export class CapturingLogger implements LoggerService {
  readonly lines: { context: string; message: string }[] = [];
  log = (message: unknown, context?: unknown) => this.capture(message, context);
  error = (message: unknown, context?: unknown) =>
    this.capture(message, context);
  warn = (message: unknown, context?: unknown) =>
    this.capture(message, context);
  debug = (message: unknown, context?: unknown) =>
    this.capture(message, context);
  verbose = (message: unknown, context?: unknown) =>
    this.capture(message, context);

  /** Every message, one a line. */
  text(): string {
    return this.lines.map((line) => line.message).join('\n');
  }

  private capture(message: unknown, context: unknown): void {
    this.lines.push({ context: String(context), message: String(message) });
  }
}
