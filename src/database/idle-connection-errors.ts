import { Logger } from '@nestjs/common';

/** SQLSTATE admin_shutdown: PostgreSQL is stopping, or an admin ended the session. */
const ADMIN_SHUTDOWN = '57P01';

const logger = new Logger('DatabasePool');

/**
 * An error on an idle pooled connection. The pool has already dropped that
 * connection and opens another when one is needed, so no request failed.
 * PostgreSQL closing it as it shuts down is expected (a terminal's Ctrl-C
 * reaches the embedded server together with the app), so that is a debug
 * line; anything else is a warning. Only the SQLSTATE and PostgreSQL's own
 * message are logged.
 */
export function logIdleConnectionError(error: Error & { code?: string }): void {
  const line = `an idle connection was closed (${error.code ?? 'no SQLSTATE'}: ${error.message}); the pool opens another when one is needed`;
  if (error.code === ADMIN_SHUTDOWN) {
    logger.debug(line);
  } else {
    logger.warn(line);
  }
}
