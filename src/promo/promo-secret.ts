import { configuredOrKeptSecret } from '../common/secret-file';
import type { Environment } from '../config/environment';

/** The key of the codes' digests (see promo-codes.ts). */
export const PROMO_SECRET = Symbol('PROMO_SECRET');

/** As long as the JWT secret's minimum: a short key could be guessed. */
export const MIN_PROMO_SECRET_LENGTH = 32;

const SECRET_FILE = 'promo-secret';

/**
 * PROMO_SECRET, or a secret generated once and kept in DATA_DIR (mode 600),
 * shared by the server and the console. Losing it makes every code
 * unredeemable: it belongs in the backups with the database.
 */
export async function resolvePromoSecret(
  environment: Environment,
): Promise<string> {
  return configuredOrKeptSecret({
    configured: environment.PROMO_SECRET,
    variable: 'PROMO_SECRET',
    dataDir: environment.DATA_DIR,
    fileName: SECRET_FILE,
    minLength: MIN_PROMO_SECRET_LENGTH,
  });
}
