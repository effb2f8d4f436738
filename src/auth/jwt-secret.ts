import { resolve } from 'node:path';
import { readSecretFile } from '../common/secret-file';
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
  if (environment.JWT_SECRET) {
    return environment.JWT_SECRET;
  }
  return readSecretFile(
    resolve(environment.DATA_DIR, SECRET_FILE),
    MIN_JWT_SECRET_LENGTH,
    ', or set JWT_SECRET',
  );
}
