import { chmod, chown, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { type ClusterLayout, SUPERUSER } from './cluster-layout';
import { postmasterRunsAsAnotherUser } from './postmaster';

const IDENT_MAP = 'deltacrown';

const HBA_HEADER = `# Written by DeltaCrown Economy at each start of its embedded PostgreSQL:
# edits are lost. Through the private socket, the superuser alone, by the OS
# users of pg_ident.conf; over the loopback, any role by its password.
local all ${SUPERUSER} peer map=${IDENT_MAP}
`;

const LOOPBACK_RULES = `host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
`;

/** Settings on the postmaster's command line, which no configuration file overrides. */
export function accessFlags(layout: ClusterLayout): string[] {
  return [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    // A list of names, each double-quoted (a quote within doubled).
    `unix_socket_directories="${layout.socketDir.replaceAll('"', '""')}"`,
    '-c',
    'unix_socket_permissions=0700',
    '-c',
    'password_encryption=scram-sha-256',
  ];
}

/**
 * Before a start: no login over TCP at all, and the superuser through the
 * private socket by peer authentication (no password), as the OS user
 * running this process or the postmaster. A cluster made before passwords
 * were generated (superuser postgres/postgres) is thus never reachable with
 * its old password, even for the moment before it is replaced.
 */
export async function allowSocketOnly(layout: ClusterLayout): Promise<void> {
  const postmasterUser = await stat(layout.databaseDir);
  await mkdir(layout.socketDir, { recursive: true, mode: 0o700 });
  await chmod(layout.socketDir, 0o700);
  await giveTo(layout.socketDir, postmasterUser);
  await writeConfig(
    resolve(layout.databaseDir, 'pg_ident.conf'),
    // This process's OS user, and the postmaster's when this one is root.
    [...new Set([userInfo().username, 'postgres'])]
      .map((osUser) => `${IDENT_MAP} "${osUser}" ${SUPERUSER}\n`)
      .join(''),
    postmasterUser,
  );
  await writeConfig(
    resolve(layout.databaseDir, 'pg_hba.conf'),
    HBA_HEADER,
    postmasterUser,
  );
}

/** Once both passwords are set: logins over the loopback too, by password. */
export async function allowLoopback(layout: ClusterLayout): Promise<void> {
  await writeConfig(
    resolve(layout.databaseDir, 'pg_hba.conf'),
    HBA_HEADER + LOOPBACK_RULES,
    await stat(layout.databaseDir),
  );
}

/**
 * Replaces `path` whole (PostgreSQL may read it at any moment), readable by
 * the postmaster's OS user only.
 */
async function writeConfig(
  path: string,
  content: string,
  owner: { uid: number; gid: number },
): Promise<void> {
  const draft = `${path}.${process.pid}`;
  await writeFile(draft, content, { mode: 0o600 });
  await giveTo(draft, owner);
  await rename(draft, path);
}

/** As root, the postmaster runs as another OS user, who must own its files. */
async function giveTo(
  path: string,
  owner: { uid: number; gid: number },
): Promise<void> {
  if (postmasterRunsAsAnotherUser()) {
    await chown(path, owner.uid, owner.gid);
  }
}
