import { Client } from 'pg';
import { allowLoopback } from './access-rules';
import {
  APPLICATION_ROLE,
  type ClusterLayout,
  DATABASE,
  SUPERUSER,
} from './cluster-layout';
import type { ClusterPasswords } from './cluster-passwords';
import { accepts } from './login-probe';
import { waitUntil } from './wait-until';

/**
 * After each start, through the private socket, before any login over TCP
 * is allowed: the superuser's password and the application role's (created
 * if missing, a plain login that owns nothing) are set from their files, and
 * the database is created if missing. A cluster initialised by an earlier
 * version (superuser postgres/postgres) gets its new password here, and a
 * password file deleted and generated again takes effect.
 */
export async function setUpLogins(
  layout: ClusterLayout,
  passwords: ClusterPasswords,
): Promise<void> {
  await asSuperuser(layout, async (client) => {
    const password = (secret: string) =>
      `PASSWORD ${client.escapeLiteral(secret)}`;
    await client.query('BEGIN');
    await client.query(
      `ALTER ROLE ${SUPERUSER} ${password(passwords.superuser)}`,
    );
    const role = await client.query(
      'SELECT 1 FROM pg_roles WHERE rolname = $1',
      [APPLICATION_ROLE],
    );
    await client.query(
      `${role.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE ${APPLICATION_ROLE}
         LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
         ${password(passwords.application)}`,
    );
    await client.query('COMMIT');
    const database = await client.query(
      'SELECT 1 FROM pg_database WHERE datname = $1',
      [DATABASE],
    );
    if (database.rowCount === 0) {
      await client.query(`CREATE DATABASE ${DATABASE}`);
    }
  });
}

/**
 * Allows logins over the loopback and waits until `probeUrl` logs in:
 * whether it did within the startup wait. The rules are written and
 * reloaded on every try, so a process that lost the race to start the
 * cluster and wrote the socket-only rules meanwhile cannot leave them in
 * force (PostgreSQL reloads them asynchronously anyway).
 */
export function openToLoopback(
  layout: ClusterLayout,
  probeUrl: string,
): Promise<boolean> {
  return waitUntil(async () => {
    await allowLoopback(layout);
    await asSuperuser(layout, (client) =>
      client.query('SELECT pg_reload_conf()'),
    );
    return accepts(probeUrl);
  }, 100);
}

async function asSuperuser<T>(
  layout: ClusterLayout,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({
    host: layout.socketDir,
    port: layout.port,
    user: SUPERUSER,
    database: 'postgres',
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
