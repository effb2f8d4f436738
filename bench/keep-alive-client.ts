import { connect, type Socket } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
// Statuses whose responses never carry a body (RFC 9110, section 6.4.1).
const BODYLESS = new Set([204, 304]);

/**
 * The load generator of `http-transfer`: HTTP/1.1 over a fixed set of
 * keep-alive connections, one request at a time on each. It shares this
 * machine's two cores with the server and PostgreSQL, so it must cost little:
 * node:http's client spent about 95 µs of CPU per request, twice what the
 * baseline's pg client spends per query; this one writes each request in one
 * call and reads only the status line and Content-Length of the answer
 * (the server sends one with every body).
 */
export class KeepAliveClient {
  private readonly idle: Connection[] = [];
  private readonly waiting: ((connection: Connection) => void)[] = [];
  private readonly open = new Set<Connection>();

  private constructor(private readonly port: number) {}

  static async open(
    port: number,
    connections: number,
  ): Promise<KeepAliveClient> {
    const client = new KeepAliveClient(port);
    for (let i = 0; i < connections; i++) {
      client.idle.push(await client.connect());
    }
    return client;
  }

  /** POSTs `body` as JSON; resolves with the response's status and body. */
  async post(
    path: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<Answer> {
    let connection =
      this.idle.pop() ??
      (await new Promise<Connection>((resolve) => this.waiting.push(resolve)));
    // The server closes a connection idle for long (keepAliveTimeout).
    if (connection.broken) {
      this.open.delete(connection);
      connection = await this.connect();
    }
    let head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      head += `${name}: ${value}\r\n`;
    }
    head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    try {
      return await connection.send(head + body);
    } finally {
      const next = this.waiting.shift();
      if (next) {
        next(connection);
      } else {
        this.idle.push(connection);
      }
    }
  }

  close(): void {
    for (const connection of this.open) {
      connection.close();
    }
  }

  private async connect(): Promise<Connection> {
    const connection = await Connection.open(this.port);
    this.open.add(connection);
    return connection;
  }
}

export interface Answer {
  status: number;
  /** The bytes of the body, undecoded: most callers read the status alone. */
  body: Buffer;
}

class Connection {
  private received: Buffer = Buffer.alloc(0);
  broken?: Error;
  private pending?: {
    resolve: (answer: Answer) => void;
    reject: (error: Error) => void;
  };

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new Connection(socket));
      });
    });
  }

  send(request: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      if (this.broken) {
        reject(this.broken);
        return;
      }
      this.pending = { resolve, reject };
      this.socket.write(request, 'utf8');
    });
  }

  close(): void {
    this.fail(new Error('client closed'));
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.received =
      this.received.length === 0
        ? chunk
        : Buffer.concat([this.received, chunk]);
    const headEnd = this.received.indexOf(HEAD_END);
    if (headEnd < 0) {
      return;
    }
    const head = this.received.toString('latin1', 0, headEnd);
    // "HTTP/1.1 201 Created": the status is the second word.
    const status = Number(head.slice(9, 12));
    const length = CONTENT_LENGTH.exec(head);
    if (length === null && !BODYLESS.has(status)) {
      this.fail(new Error(`a response without Content-Length: ${head}`));
      return;
    }
    const start = headEnd + HEAD_END.length;
    const end = start + Number(length?.[1] ?? 0);
    if (this.received.length < end) {
      return;
    }
    const body = this.received.subarray(start, end);
    this.received = this.received.subarray(end);
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ status, body });
  }

  private fail(error: Error): void {
    this.broken ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}
