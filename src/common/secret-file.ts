import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * The secret kept in `path`, readable by its owner only (mode 600): generated
 * once by whichever process asks first, then read by every process. A file
 * holding fewer than `minLength` characters is refused, never used (an empty
 * secret would protect nothing); `remedy` completes the message saying what
 * to do besides deleting it.
 */
export async function readSecretFile(
  path: string,
  minLength: number,
  remedy = '',
): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await createOnce(path, randomBytes(48).toString('base64url'));
  const secret = (await readFile(path, 'utf8')).trim();
  if (secret.length < minLength) {
    throw new Error(
      `${path} holds no usable secret (at least ${minLength} characters): delete it to have one generated${remedy}`,
    );
  }
  return secret;
}

/**
 * A secret from the environment (`configured`, under the name `variable`),
 * or else the one kept in `fileName` under `dataDir`, generated once.
 */
export async function configuredOrKeptSecret(secret: {
  configured: string | undefined;
  variable: string;
  dataDir: string;
  fileName: string;
  minLength: number;
}): Promise<string> {
  if (secret.configured) {
    return secret.configured;
  }
  return readSecretFile(
    resolve(secret.dataDir, secret.fileName),
    secret.minLength,
    `, or set ${secret.variable}`,
  );
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
