import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InvalidEnvironmentError,
  loadEnvironment,
} from '../config/environment';
import { resolvePromoSecret } from './promo-secret';

describe('resolvePromoSecret', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'promo-secret-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('generates a secret of its own in DATA_DIR, apart from the JWT secret, readable by its owner only', async () => {
    const secret = await resolvePromoSecret(
      loadEnvironment({ DATA_DIR: dataDir }),
    );
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(await readdir(dataDir)).toEqual(['promo-secret']);
    expect((await stat(join(dataDir, 'promo-secret'))).mode & 0o777).toBe(
      0o600,
    );
    expect(
      await resolvePromoSecret(loadEnvironment({ DATA_DIR: dataDir })),
    ).toBe(secret);
  });

  it('takes PROMO_SECRET when set, and refuses a short one at start', async () => {
    const configured = 'p'.repeat(40);
    expect(
      await resolvePromoSecret(
        loadEnvironment({ DATA_DIR: dataDir, PROMO_SECRET: configured }),
      ),
    ).toBe(configured);
    expect(await readdir(dataDir)).toEqual([]);
    expect(() =>
      loadEnvironment({ DATA_DIR: dataDir, PROMO_SECRET: 'short' }),
    ).toThrow(InvalidEnvironmentError);
  });
});
