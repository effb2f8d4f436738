import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Environment } from '../config/environment';

const SECRET_FILE = 'jwt-secret';

/** As for JWT_SECRET: a shorter secret can be guessed. */
export const MIN_JWT_SECRET_LENGTH = 32;

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
  const path = resolve(environment.DATA_DIR, SECRET_FILE);
  await mkdir(environment.DATA_DIR, { recursive: true });
  await createOnce(path, randomBytes(48).toString('base64url'));
  const secret = (await readFile(path, 'utf8')).trim();
  if (secret.length < MIN_JWT_SECRET_LENGTH) {
    throw new Error(
      `${path} holds no usable secret (at least ${MIN_JWT_SECRET_LENGTH} characters): delete it to have one generated, or set JWT_SECRET`,
    );
  }
  return secret;
}

/**
 * Writes `content` to `path` unless the file exists, appearing whole or not
 * at all: it is written aside and then linked into place, which fails when
 * another process got there first (the first writer wins, everyone reads
 * what it wrote). A crash leaves no half-written secret behind.
 */
async function createOnce(path: string, content: string): Promise<void> {
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, content, { flag: 'wx', mode: 0o600 });
  try {
    await link(draft, path);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST') {
      return;
    }
    if (!HARD_LINKS_UNSUPPORTED.has(code ?? '')) {
      throw error;
    }
    // A filesystem without hard links (FAT, some network mounts): written in
    // place, where a crash can leave it short, which is then refused.
    await ignoreExisting(writeFile(path, content, { flag: 'wx', mode: 0o600 }));
  } finally {
    await unlink(draft);
  }
}

const HARD_LINKS_UNSUPPORTED = new Set([
  'EPERM',
  'ENOTSUP',
  'EOPNOTSUPP',
  'ENOSYS',
]);

async function ignoreExisting(writing: Promise<void>): Promise<void> {
  try {
    await writing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
}
