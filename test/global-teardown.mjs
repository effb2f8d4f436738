import { rm } from 'node:fs/promises';

export default async function globalTeardown() {
  const started = globalThis.__economyTestCluster;
  if (!started) {
    return;
  }
  await started.cluster.stop();
  await rm(started.workDir, { recursive: true, force: true });
}
