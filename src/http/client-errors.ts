import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { problem, ProblemCode } from './problem-details';
import { API_SECURITY_HEADERS } from './security-headers';

/** What Node's HTTP parser refuses before any request exists, and how we say it. */
const CLIENT_ERRORS: Record<
  string,
  { status: number; code: ProblemCode; detail: string }
> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: ProblemCode.RequestTimeout,
    detail: 'the request did not arrive whole within the request timeout',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: ProblemCode.ValidationFailed,
    detail: 'the request headers are too large',
  },
};

const MALFORMED = {
  status: 400,
  code: ProblemCode.ValidationFailed,
  detail: 'malformed HTTP request',
};

/**
 * Fastify's `clientErrorHandler`: errors Node's HTTP server meets on a
 * connection (a request too slow to arrive, headers too large, a request
 * line it cannot parse) answered as problem+json like every other error,
 * then the connection is closed. A connection the client reset gets no
 * answer.
 */
export function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    return;
  }
  const { status, code, detail } = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify(problem(status, code, detail));
  if (socket.writable) {
    const headers = {
      'Content-Type': 'application/problem+json',
      'Content-Length': String(Buffer.byteLength(body)),
      Connection: 'close',
      ...API_SECURITY_HEADERS,
    };
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')}\r\n${body}`,
    );
  }
  socket.destroy(error);
}
