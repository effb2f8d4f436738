// A process using the embedded cluster as the server or a CLI run does:
// opens it (DATA_DIR, EMBEDDED_POSTGRES_PORT from the environment), prints
// "ready", then on a line "stop" lets go of it with stop(), or on "exit"
// exits the way the TypeORM CLI does, after stopAtExit().
import { createInterface } from 'node:readline';
import { loadEnvironment } from '../../src/config/environment';
import { openDatabaseServer } from '../../src/database/database-server';

void (async () => {
  const server = await openDatabaseServer(loadEnvironment());
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'stop') {
      await server.stop();
      process.stdout.write('stopped\n');
      process.exit(0);
    }
    if (line === 'exit') {
      server.stopAtExit();
      process.exit(0);
    }
  }
})().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(2);
});
