import { loadEnvironment } from '../../config/environment';
import { clusterLayout } from './cluster-layout';

describe('clusterLayout', () => {
  const layoutIn = (dataDir: string) =>
    clusterLayout(
      loadEnvironment({ DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: '54329' }),
    );

  it('keeps the socket in a folder of DATA_DIR', () => {
    expect(layoutIn('/srv/economy')).toMatchObject({
      databaseDir: '/srv/economy/postgres',
      socketDir: '/srv/economy/postgres-socket',
    });
  });

  it('refuses, before anything is made, a DATA_DIR too long for a Unix socket path', () => {
    // 76 characters, and the socket's 31 after them: 107 bytes.
    const longest = `/${'d'.repeat(75)}`;
    expect(layoutIn(longest).socketDir).toBe(`${longest}/postgres-socket`);
    expect(() => layoutIn(`${longest}d`)).toThrow(
      /longer than the 107 bytes a Unix socket's path holds: set DATA_DIR to a shorter folder/,
    );
  });
});
