import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Environment } from '../config/environment';

const SECRET_FILE = 'jwt-secret';

/**
 * The HS256 secret shared by the server (which verifies tokens) and the CLI's
 * `token` command (which signs them): JWT_SECRET, or else a secret generated
 * once and kept in DATA_DIR, readable by its owner only.
 */
export async function resolveJwtSecret(
  environment: Environment,
): Promise<string> {
  if (environment.JWT_SECRET) {
    return environment.JWT_SECRET;
  }
  const path = resolve(environment.DATA_DIR, SECRET_FILE);
  await mkdir(environment.DATA_DIR, { recursive: true });
  try {
    // 'wx' fails when the file exists: the first writer wins, everyone else
    // reads what it wrote.
    await writeFile(path, randomBytes(48).toString('base64url'), {
      flag: 'wx',
      mode: 0o600,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  return (await readFile(path, 'utf8')).trim();
}
