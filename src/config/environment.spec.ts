import { availableParallelism } from 'node:os';
import { InvalidEnvironmentError, loadEnvironment } from './environment';

describe('loadEnvironment', () => {
  it('gives every variable a default, DATABASE_URL excepted', () => {
    expect({ ...loadEnvironment({}) }).toEqual({
      DATA_DIR: '.data',
      PORT: 3000,
      EMBEDDED_POSTGRES_PORT: 54329,
      DATABASE_POOL_SIZE: Math.min(2 * availableParallelism() + 1, 10),
      PLAYER_REQUESTS_PER_MINUTE: 120,
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
    ['LOG_LEVEL', 'chatty'],
    ['PLAYER_REQUESTS_PER_MINUTE', '-1'],
    ['PLAYER_REQUESTS_PER_MINUTE', '1.5'],
  ])('stops on a bad %s naming the variable', (name, value) => {
    expect(() => loadEnvironment({ [name]: value })).toThrow(
      InvalidEnvironmentError,
    );
    expect(() => loadEnvironment({ [name]: value })).toThrow(name);
  });
});
