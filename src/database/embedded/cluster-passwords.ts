import { resolve } from 'node:path';
import { readSecretFile } from '../../common/secret-file';

/** As for the JWT secret: a shorter password can be guessed. */
const MIN_PASSWORD_LENGTH = 32;

/** The embedded cluster's two logins, generated once per DATA_DIR. */
export interface ClusterPasswords {
  readonly superuser: string;
  readonly application: string;
}

export async function readClusterPasswords(
  dataDir: string,
): Promise<ClusterPasswords> {
  return {
    superuser: await readSecretFile(
      resolve(dataDir, 'postgres-superuser-password'),
      MIN_PASSWORD_LENGTH,
    ),
    application: await readSecretFile(
      resolve(dataDir, 'postgres-app-password'),
      MIN_PASSWORD_LENGTH,
    ),
  };
}
