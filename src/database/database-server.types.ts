/** Where the service's PostgreSQL is, and how to let go of it at shutdown. */
export interface DatabaseServer {
  /** The service's login: reads and writes rows, owns nothing. */
  readonly url: string;
  /** The schema owner's login, for migrations only. */
  readonly migrationUrl: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
  /**
   * For a process that exits without calling `stop` (the TypeORM CLI calls
   * process.exit): let go of the cluster as it exits.
   */
  stopAtExit(): void;
}
