import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironment } from '../config/environment';
import { resolveJwtSecret } from './jwt-secret';

describe('resolveJwtSecret', () => {
  let dataDir: string;
  const secretOf = (extra: Record<string, string> = {}) =>
    resolveJwtSecret(loadEnvironment({ DATA_DIR: dataDir, ...extra }));

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jwt-secret-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('generates one secret for every process that asks at once, and keeps it', async () => {
    const secrets = await Promise.all(
      Array.from({ length: 10 }, () => secretOf()),
    );
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0].length).toBeGreaterThanOrEqual(32);
    expect(await secretOf()).toBe(secrets[0]);
    // No draft left beside it.
    expect(await readdir(dataDir)).toEqual(['jwt-secret']);
  });

  it.each([
    ['empty', ''],
    ['blank', '   \n'],
    ['short', 'only-31-characters-long-secret!'],
  ])(
    'refuses a secret file that is %s instead of signing with it',
    async (_, content) => {
      await writeFile(join(dataDir, 'jwt-secret'), content);
      await expect(secretOf()).rejects.toThrow(
        /jwt-secret holds no usable secret/,
      );
    },
  );

  it('writes the secret in place where the filesystem has no hard links', async () => {
    // The module object secret-file.ts calls through, not an ES namespace.
    const fsPromises: typeof import('node:fs/promises') =
      jest.requireActual('node:fs/promises');
    const link = jest
      .spyOn(fsPromises, 'link')
      .mockRejectedValue(
        Object.assign(new Error('operation not permitted'), { code: 'EPERM' }),
      );
    try {
      const secret = await secretOf();
      expect(link).toHaveBeenCalled();
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(await secretOf()).toBe(secret);
      expect(await readdir(dataDir)).toEqual(['jwt-secret']);
    } finally {
      link.mockRestore();
    }
  });

  it('takes JWT_SECRET over the file', async () => {
    const secret = 'x'.repeat(32);
    expect(await secretOf({ JWT_SECRET: secret })).toBe(secret);
  });
});
