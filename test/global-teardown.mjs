import { rm } from 'node:fs/promises';
import { onServer } from './global-setup.mjs';

export default async function globalTeardown() {
  const started = globalThis.__economyTestCluster;
  if (started) {
    await started.cluster.stop();
    await rm(started.workDir, { recursive: true, force: true });
    return;
  }
  // A server of one's own keeps deltacrown_app, shared with its databases.
  const login = globalThis.__economyTestLogin;
  if (login) {
    await onServer(login.serverUrl, (client) =>
      client.query(`DROP ROLE IF EXISTS ${login.role}`),
    );
  }
}
