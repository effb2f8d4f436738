import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidEnvironmentError, loadEnvironment } from './environment';

describe('loadEnvironment', () => {
  it('gives every variable a default, the database URLs excepted', () => {
    expect({ ...loadEnvironment({}) }).toEqual({
      // The project's folder, wherever the process runs from.
      DATA_DIR: join(resolve(__dirname, '..', '..'), '.data'),
      PORT: 3000,
      EMBEDDED_POSTGRES_PORT: 54329,
      DATABASE_POOL_SIZE: Math.min(2 * availableParallelism() + 1, 10),
      DATABASE_LOCK_WAIT_MS: 2_000,
      DATABASE_STATEMENT_MS: 30_000,
      DATABASE_POOL_WAIT_MS: 5_000,
      PLAYER_REQUESTS_PER_MINUTE: 120,
      JWT_MAX_TTL: '365d',
      REQUEST_TIMEOUT_SECONDS: 30,
      KEEP_ALIVE_TIMEOUT_SECONDS: 72,
      MAX_CONNECTIONS: 1024,
      METRICS_PORT: 9464,
      METRICS_HOST: '127.0.0.1',
      EVENT_RETENTION_DAYS: 30,
      LOG_LEVEL: 'log',
    });
  });

  it('reads and converts the variables it knows, and only those', () => {
    const environment = loadEnvironment({
      DATABASE_URL: 'postgres://u:p@db:5432/economy',
      PORT: '8080',
      DATABASE_POOL_SIZE: '16',
      LOG_LEVEL: 'debug',
      PLAYER_REQUESTS_PER_MINUTE: '0',
      PATH: '/usr/bin',
      EMPTY_IS_UNSET: '',
    });
    expect(environment).toMatchObject({
      DATABASE_URL: 'postgres://u:p@db:5432/economy',
      PORT: 8080,
      DATABASE_POOL_SIZE: 16,
      LOG_LEVEL: 'debug',
      PLAYER_REQUESTS_PER_MINUTE: 0,
    });
    expect(environment).not.toHaveProperty('PATH');
  });

  it.each([
    ['PORT', 'notaport'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://db/economy'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_LOCK_WAIT_MS', '0'],
    ['DATABASE_LOCK_WAIT_MS', '2s'],
    ['DATABASE_STATEMENT_MS', '-5'],
    ['DATABASE_POOL_WAIT_MS', '600001'],
    ['LOG_LEVEL', 'chatty'],
    ['PLAYER_REQUESTS_PER_MINUTE', '-1'],
    ['PLAYER_REQUESTS_PER_MINUTE', '1.5'],
    // Number() reads these, and would have.
    ['PORT', '0x1F90'],
    ['PORT', '1e3'],
    ['PORT', ' 8080 '],
    ['DATABASE_POOL_SIZE', '0x10'],
    ['EMBEDDED_POSTGRES_PORT', '5e4'],
    ['DATABASE_URL', 'postgres://'],
    ['DATABASE_URL', 'postgres://u:p@db:notaport/economy'],
    ['DATABASE_MIGRATION_URL', 'mysql://db/economy'],
    ['DATA_DIR', '   '],
    ['JWT_MAX_TTL', '1y'],
    ['JWT_MAX_TTL', '0'],
    ['JWT_MAX_TTL', '-5m'],
    ['REQUEST_TIMEOUT_SECONDS', '0'],
    ['REQUEST_TIMEOUT_SECONDS', '1.5'],
    ['KEEP_ALIVE_TIMEOUT_SECONDS', '601'],
    ['MAX_CONNECTIONS', '0'],
    ['METRICS_PORT', '65536'],
    ['METRICS_PORT', '-1'],
    ['METRICS_PORT', '9e3'],
    ['METRICS_HOST', 'http://127.0.0.1'],
    ['METRICS_HOST', '127.0.0.1:9464'],
    ['METRICS_HOST', 'bad host'],
    ['METRICS_HOST', '-leading.hyphen'],
  ])('stops on a bad %s (%j) naming the variable', (name, value) => {
    expect(() => loadEnvironment({ [name]: value })).toThrow(
      InvalidEnvironmentError,
    );
    expect(() => loadEnvironment({ [name]: value })).toThrow(name);
  });

  it('takes DATABASE_MIGRATION_URL beside DATABASE_URL, and refuses it alone', () => {
    const urls = {
      DATABASE_URL: 'postgres://service:p@db:5432/economy',
      DATABASE_MIGRATION_URL: 'postgres://owner:p@db:5432/economy',
    };
    expect(loadEnvironment(urls)).toMatchObject(urls);
    expect(() =>
      loadEnvironment({ DATABASE_MIGRATION_URL: urls.DATABASE_MIGRATION_URL }),
    ).toThrow('DATABASE_MIGRATION_URL is only used with DATABASE_URL');
  });

  it.each([
    [{ METRICS_PORT: '0' }, { METRICS_PORT: 0, METRICS_HOST: '127.0.0.1' }],
    [{ METRICS_HOST: '0.0.0.0' }, { METRICS_HOST: '0.0.0.0' }],
    [{ METRICS_HOST: '::' }, { METRICS_HOST: '::' }],
    [
      { METRICS_HOST: 'metrics.internal' },
      { METRICS_HOST: 'metrics.internal' },
    ],
  ])('takes the metrics port and host %j', (given, read) => {
    expect(loadEnvironment(given)).toMatchObject(read);
  });

  it('takes a DATABASE_URL naming its socket folder instead of a host', () => {
    const url = 'postgresql:///economy?host=/run/postgresql';
    expect(loadEnvironment({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
  });
});
