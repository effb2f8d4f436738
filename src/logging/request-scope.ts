import { storage } from 'nestjs-pino/storage';

/**
 * Runs `write` outside its request's logger scope (nestjs-pino's), for a line
 * that names its request id itself: it is also written where no such scope
 * exists (a URL the router refused), and inside one the id would be bound
 * twice.
 */
export function outsideRequestScope(write: () => void): void {
  storage.exit(write);
}
