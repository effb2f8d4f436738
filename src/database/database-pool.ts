import type { DatabaseBounds } from './data-source-options';

/** The pool's size and bounds, for what shares the pool out (BatchLanes). */
export interface DatabasePool {
  size: number;
  bounds: DatabaseBounds | null;
}

export const DATABASE_POOL = Symbol('DATABASE_POOL');
