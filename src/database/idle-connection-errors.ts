import { Logger } from '@nestjs/common';
import { PostgresErrorCode, postgresErrorOf } from './postgres-error';

const logger = new Logger('DatabasePool');

/**
 * An error on an idle pooled connection. The pool has already dropped that
 * connection and opens another when one is needed, so no request failed.
 * PostgreSQL closing it as it shuts down is expected (a terminal's Ctrl-C
 * reaches the embedded server together with the app), so that is a debug
 * line; anything else is a warning. Only the SQLSTATE and PostgreSQL's own
 * message are logged.
 */
export function logIdleConnectionError(error: Error): void {
  const { code } = postgresErrorOf(error);
  const line = `an idle connection was closed (${code ?? 'no SQLSTATE'}: ${error.message}); the pool opens another when one is needed`;
  if (code === PostgresErrorCode.AdminShutdown) {
    logger.debug(line);
  } else {
    logger.warn(line);
  }
}
