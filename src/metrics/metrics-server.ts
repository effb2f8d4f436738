import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Logger } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import {
  collectProcessMetrics,
  metricsRegistry,
  observePool,
  type PoolCounts,
} from './metrics';

export interface MetricsListen {
  /** 0: no metrics server. */
  port: number;
  host: string;
}

export interface MetricsServer {
  /** Where Prometheus scrapes, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/**
 * GET /metrics in Prometheus text, on a port of its own, so that the API's
 * port (public, behind a load balancer) never shows it; 404 for anything
 * else. The pool gauges read `pool` at each scrape.
 * Resolves once listening, null when `port` is 0; a port it cannot bind
 * rejects, naming METRICS_PORT.
 */
export async function serveMetrics(
  listen: MetricsListen,
  pool?: PoolCounts,
): Promise<MetricsServer | null> {
  if (listen.port === 0) {
    return null;
  }
  collectProcessMetrics();
  const server = createServer((request, response) => {
    void answer(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new Error(
          `METRICS_PORT ${listen.port} on ${listen.host}: ${error.message}`,
        ),
      ),
    );
    server.listen(listen.port, listen.host, resolve);
  });
  observePool(pool);
  const address = server.address() as AddressInfo;
  const host =
    address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/metrics`,
    address,
    close: () =>
      new Promise<void>((resolve, reject) => {
        observePool(undefined);
        // Idle keep-alive connections (a scraper's) close with it.
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * prom-client writes NaN as `Nan`, where the text format spells it `NaN`;
 * strict parsers refuse the line. The event loop lag mean is NaN whenever a
 * scrape comes before the loop's first sample since the last one.
 */
function withSpecNaN(text: string): string {
  return text.replace(/^([^#\n].*) Nan$/gm, '$1 NaN');
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '').split('?')[0];
  if (request.method !== 'GET' || path !== '/metrics') {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('not found\n');
    return;
  }
  try {
    const text = await metricsRegistry.metrics();
    response.writeHead(200, { 'Content-Type': metricsRegistry.contentType });
    response.end(withSpecNaN(text));
  } catch (error) {
    new Logger('Metrics').error(
      `metrics could not be collected: ${error instanceof Error ? error.message : String(error)}`,
    );
    response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('metrics could not be collected\n');
  }
}
