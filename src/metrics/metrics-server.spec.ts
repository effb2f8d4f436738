import { createServer, type Server } from 'node:net';
import { Gauge } from 'prom-client';
import { metricsRegistry } from './metrics';
import { serveMetrics, type MetricsServer } from './metrics-server';

/** A TCP server on a port the system picked, on the loopback. */
function occupy(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function freePort(): Promise<number> {
  const server = await occupy();
  const port = portOf(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('serveMetrics', () => {
  let metrics: MetricsServer | null = null;

  afterEach(async () => {
    await metrics?.close();
    metrics = null;
  });

  it('starts nothing on port 0', async () => {
    await expect(
      serveMetrics({ port: 0, host: '127.0.0.1' }),
    ).resolves.toBeNull();
  });

  it('serves GET /metrics as Prometheus text on the host and port given', async () => {
    const port = await freePort();
    metrics = await serveMetrics({ port, host: '127.0.0.1' });
    expect(metrics?.address).toMatchObject({ address: '127.0.0.1', port });
    expect(metrics?.url).toBe(`http://127.0.0.1:${port}/metrics`);
    for (const path of ['/metrics', '/metrics?from=prometheus']) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(
        'text/plain; version=0.0.4; charset=utf-8',
      );
      const text = await response.text();
      expect(text).toContain('# TYPE deltacrown_movements_total counter');
      expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
      // No pool observed: the gauges read 0.
      expect(text).toContain('\ndeltacrown_db_pool_connections_in_use 0\n');
      expect(text).toContain('\ndeltacrown_db_pool_requests_waiting 0\n');
    }
  });

  it('writes a value that is not a number as NaN, as the text format spells it', async () => {
    // As the event loop lag mean reads when a scrape follows the last one
    // before the loop's next sample.
    const notANumber = new Gauge({
      name: 'metrics_server_spec_not_a_number',
      help: 'A gauge at NaN',
      registers: [metricsRegistry],
    });
    notANumber.set(NaN);
    try {
      const port = await freePort();
      metrics = await serveMetrics({ port, host: '127.0.0.1' });
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
        (response) => response.text(),
      );
      expect(text).toContain('\nmetrics_server_spec_not_a_number NaN\n');
      expect(text).not.toMatch(/ Nan$/m);
    } finally {
      metricsRegistry.removeSingleMetric('metrics_server_spec_not_a_number');
    }
  });

  it('answers 404 for anything but GET /metrics', async () => {
    const port = await freePort();
    metrics = await serveMetrics({ port, host: '127.0.0.1' });
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/metrics/'],
      ['GET', '/metricsx'],
      ['POST', '/metrics'],
      ['PUT', '/metrics'],
      ['DELETE', '/metrics'],
    ]) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
      });
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
  });

  it('refuses a port in use, naming METRICS_PORT', async () => {
    const taken = await occupy();
    try {
      await expect(
        serveMetrics({ port: portOf(taken), host: '127.0.0.1' }),
      ).rejects.toThrow(`METRICS_PORT ${portOf(taken)} on 127.0.0.1`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('stops listening once closed', async () => {
    const port = await freePort();
    const server = await serveMetrics({ port, host: '127.0.0.1' });
    // A scraper's keep-alive connection does not hold the close back.
    await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { Connection: 'keep-alive' },
    }).then((response) => response.text());
    await server?.close();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
