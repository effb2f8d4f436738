import { resolve } from 'node:path';
import type { Environment } from '../../config/environment';

/** The superuser initdb creates: owns the schema, runs the migrations. */
export const SUPERUSER = 'postgres';
/** The service's login: what the migrations grant, and nothing more. */
export const APPLICATION_ROLE = 'deltacrown_app';
export const DATABASE = 'deltacrown_economy';

/** A Unix socket's path holds 108 bytes, its terminating NUL included. */
const MAX_SOCKET_PATH_BYTES = 107;

/** Where an embedded cluster keeps its parts, all under DATA_DIR. */
export interface ClusterLayout {
  readonly dataDir: string;
  readonly databaseDir: string;
  /** The postmaster's Unix socket, readable by its OS user only. */
  readonly socketDir: string;
  readonly usersDir: string;
  readonly port: number;
}

/** The layout under DATA_DIR, or an error naming what PostgreSQL could not use. */
export function clusterLayout(environment: Environment): ClusterLayout {
  const socketDir = resolve(environment.DATA_DIR, 'postgres-socket');
  const socket = resolve(
    socketDir,
    `.s.PGSQL.${environment.EMBEDDED_POSTGRES_PORT}`,
  );
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `the embedded PostgreSQL's socket ${socket} would be longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket's path holds: set DATA_DIR to a shorter folder`,
    );
  }
  return {
    dataDir: environment.DATA_DIR,
    databaseDir: resolve(environment.DATA_DIR, 'postgres'),
    socketDir,
    usersDir: resolve(environment.DATA_DIR, 'postgres-users'),
    port: environment.EMBEDDED_POSTGRES_PORT,
  };
}

/** A login over the loopback, the only address the cluster listens on. */
export function loopbackUrl(
  layout: ClusterLayout,
  role: string,
  password: string,
  database = DATABASE,
): string {
  return `postgres://${encodeURIComponent(role)}:${encodeURIComponent(password)}@127.0.0.1:${layout.port}/${database}`;
}
