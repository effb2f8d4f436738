import { DomainError } from '../../common/domain-error';
import {
  DatabaseBusy,
  DatabaseUnavailable,
} from '../../database/database.errors';
import {
  movementsTotal,
  type MovementKind,
  type MovementOutcome,
} from '../../metrics/metrics';

/** How a movement that threw ended, as deltacrown_movements_total's `outcome`. */
export function failedOutcome(error: unknown): MovementOutcome {
  if (error instanceof DatabaseBusy) {
    return 'busy';
  }
  if (error instanceof DatabaseUnavailable) {
    return 'unavailable';
  }
  return error instanceof DomainError ? 'refused' : 'error';
}

/** Counts movements answered, each `ok` or `replayed`. */
export function countAnswered(
  kind: MovementKind,
  results: readonly { replayed: boolean }[],
): void {
  for (const { replayed } of results) {
    movementsTotal.inc({ kind, outcome: replayed ? 'replayed' : 'ok' });
  }
}

/** Counts `count` movements that ended in `error`. */
export function countFailed(
  kind: MovementKind,
  error: unknown,
  count = 1,
): void {
  movementsTotal.inc({ kind, outcome: failedOutcome(error) }, count);
}

/** Runs one movement and counts how it ended, once, when its caller is answered. */
export async function countedMovement<T extends { replayed: boolean }>(
  kind: MovementKind,
  move: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await move();
  } catch (error) {
    countFailed(kind, error);
    throw error;
  }
  countAnswered(kind, [result]);
  return result;
}
