import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Environment } from '../../config/environment';
import type { DatabaseServer } from '../database-server.types';
import { accessFlags, allowSocketOnly } from './access-rules';
import {
  APPLICATION_ROLE,
  type ClusterLayout,
  clusterLayout,
  loopbackUrl,
  SUPERUSER,
} from './cluster-layout';
import { openToLoopback, setUpLogins } from './cluster-logins';
import { readClusterPasswords } from './cluster-passwords';
import { ClusterUsers } from './cluster-users';
import { foldersClosedToOthers } from './closed-folders';
import { loadEmbeddedPostgres } from './load-embedded-postgres';
import { accepts } from './login-probe';
import {
  isClusterRunning,
  postmasterRunsAsAnotherUser,
  stopPostmaster,
} from './postmaster';
import { waitUntil } from './wait-until';

/**
 * The embedded PostgreSQL whose cluster lives under `DATA_DIR/postgres`:
 * started by this process, or the one another process (the server, say)
 * runs already. The last process using it stops it, whoever started it.
 * The service logs in as the application role, migrations as the superuser,
 * both with passwords generated once in DATA_DIR.
 */
export async function openEmbeddedCluster(
  environment: Environment,
  log: (message: string) => void,
): Promise<DatabaseServer> {
  const layout = clusterLayout(environment);
  const passwords = await readClusterPasswords(layout.dataDir);
  const url = loopbackUrl(layout, APPLICATION_ROLE, passwords.application);
  const users = new ClusterUsers(layout.usersDir);
  const server = (stop: () => Promise<void>): DatabaseServer => ({
    url,
    migrationUrl: loopbackUrl(layout, SUPERUSER, passwords.superuser),
    embedded: true,
    stop: () => users.leave(stop),
    stopAtExit: () => users.leaveAtExit(layout.databaseDir, log),
  });
  const attached = server(() => stopPostmaster(layout.databaseDir, log));
  const where = `127.0.0.1:${layout.port}`;
  await users.join();
  try {
    if (isClusterRunning(layout.databaseDir, log)) {
      log(`using the embedded PostgreSQL already running on ${where}`);
      if (await acceptsWhileRunning(url, layout, log)) {
        return attached;
      }
      if (isClusterRunning(layout.databaseDir, log)) {
        throw new Error(
          `the embedded PostgreSQL running in ${layout.databaseDir} refuses the passwords kept in ${layout.dataDir}: stop it (an older version's server, say) and start again`,
        );
      }
      // Its last user was stopping it: start it again.
    }
    const initialised = existsSync(resolve(layout.databaseDir, 'PG_VERSION'));
    if (!initialised) {
      await refuseClosedFolders(layout.databaseDir);
    }
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const cluster = new EmbeddedPostgres({
      databaseDir: layout.databaseDir,
      port: layout.port,
      user: SUPERUSER,
      // initdb reads it from a file in the system's temporary folder that
      // any user may read: it is replaced before any login over TCP.
      password: randomBytes(32).toString('base64url'),
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: true,
      postgresFlags: accessFlags(layout),
      onLog: () => undefined,
      onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
    });
    try {
      if (!initialised) {
        log(`initialising embedded PostgreSQL in ${layout.databaseDir}`);
        await cluster.initialise();
      }
      await allowSocketOnly(layout);
      await cluster.start();
    } catch (error) {
      // Another process (a second CLI run, say) may have started it first.
      if (
        (await waitUntil(
          () => isClusterRunning(layout.databaseDir, log),
          250,
        )) &&
        (await acceptsWhileRunning(url, layout, log))
      ) {
        log(
          `using the embedded PostgreSQL another process started on ${where}`,
        );
        return attached;
      }
      // embedded-postgres rejects without a reason; PostgreSQL's own is in
      // its log, which it does not keep.
      throw new Error(
        `the embedded PostgreSQL in ${layout.databaseDir} did not start on ${where}${error instanceof Error ? `: ${error.message}` : ' (is the port taken by another program?)'}`,
      );
    }
    try {
      await setUpLogins(layout, passwords);
      if (!(await openToLoopback(layout, url))) {
        throw new Error('its logins over the loopback are still refused');
      }
    } catch (error) {
      await cluster.stop();
      throw new Error(
        `the embedded PostgreSQL in ${layout.databaseDir} started but its logins could not be set up: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    log(`embedded PostgreSQL listening on ${where}`);
    return server(() => cluster.stop());
  } catch (error) {
    await users.leave(() => Promise.resolve());
    throw error;
  }
}

/** Whether the cluster accepts `url`'s login before it stops running, if it does. */
async function acceptsWhileRunning(
  url: string,
  layout: ClusterLayout,
  log: (message: string) => void,
): Promise<boolean> {
  let accepting = false;
  await waitUntil(
    async () =>
      (accepting = await accepts(url)) ||
      !isClusterRunning(layout.databaseDir, log),
    250,
  );
  return accepting;
}

/**
 * Run as root, PostgreSQL runs as the OS user `postgres`, which must pass
 * through every folder above the cluster; initdb would fail on the first it
 * cannot with only "Permission denied". Says which, and what to do. Asked
 * before initdb only: a cluster made is one its user could reach.
 */
async function refuseClosedFolders(databaseDir: string): Promise<void> {
  if (!postmasterRunsAsAnotherUser()) {
    return;
  }
  const closed = await foldersClosedToOthers(databaseDir);
  if (closed.length > 0) {
    const named = closed
      .map(({ folder, mode }) => `${folder} (mode ${mode.toString(8)})`)
      .join(', ');
    throw new Error(
      `run as root, the embedded PostgreSQL runs as the OS user postgres, which cannot reach ${databaseDir}: ${named} let no other user pass through. Set DATA_DIR to a folder under one that does (/var/lib or /srv, say), or let others pass through with chmod o+x`,
    );
  }
}
