import { configuredOrKeptSecret } from '../common/secret-file';
import { MIN_JWT_SECRET_LENGTH, type Environment } from '../config/environment';

const SECRET_FILE = 'jwt-secret';

/**
 * The HS256 secret shared by the server (which verifies tokens) and the CLI's
 * `token` command (which signs them): JWT_SECRET, or else a secret generated
 * once and kept in DATA_DIR, readable by its owner only. A secret file that
 * is empty or short is refused, never used: with an empty key anyone could
 * sign an admin token.
 */
export async function resolveJwtSecret(
  environment: Environment,
): Promise<string> {
  return configuredOrKeptSecret({
    configured: environment.JWT_SECRET,
    variable: 'JWT_SECRET',
    dataDir: environment.DATA_DIR,
    fileName: SECRET_FILE,
    minLength: MIN_JWT_SECRET_LENGTH,
  });
}
