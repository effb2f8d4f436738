import { connect, type Socket } from 'node:net';

/** What came back on a raw connection, and how it ended. */
export interface RawExchange {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting to the server closing the connection. */
  closedAfterMs: number;
}

/**
 * Sends `parts` on one connection (a pause of `pauseMs` between them) and
 * reads until the server closes it or `timeoutMs` passes: for what an HTTP
 * client library would never send (repeated headers, a trickled body, a
 * method it does not know).
 */
export function rawExchange(
  port: number,
  parts: (string | Buffer)[],
  options: { pauseMs?: number; timeoutMs?: number } = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let sending: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(sending);
      resolve({
        ...parseResponse(Buffer.concat(chunks).toString('utf8')),
        closedAfterMs: Date.now() - started,
      });
    });
    const queue = [...parts];
    const sendNext = () => {
      const part = queue.shift();
      if (part === undefined || socket.destroyed) {
        return;
      }
      socket.write(part);
      sending = setTimeout(sendNext, options.pauseMs ?? 0);
    };
    socket.on('connect', sendNext);
  });
}

function parseResponse(text: string): Omit<RawExchange, 'closedAfterMs'> {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) {
    return { status: 0, headers: {}, body: text };
  }
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: text.slice(end + 4),
  };
}
