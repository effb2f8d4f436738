import {
  DatabaseBusy,
  DatabaseUnavailable,
  FinalRecordChange,
} from '../../database/database.errors';
import { movementsTotal } from '../../metrics/metrics';
import {
  IdempotencyConflict,
  InsufficientFunds,
  UnknownProfile,
} from '../economy.errors';
import { countedMovement, countFailed, failedOutcome } from './movement-counts';

/** deltacrown_movements_total's value for the kind and outcome. */
async function counted(kind: string, outcome: string): Promise<number> {
  const { values } = await movementsTotal.get();
  return (
    values.find(
      ({ labels }) => labels.kind === kind && labels.outcome === outcome,
    )?.value ?? 0
  );
}

describe('movement counts', () => {
  it.each([
    ['a bound passed', 'busy', new DatabaseBusy('busy')],
    ['a database lost', 'unavailable', new DatabaseUnavailable('gone')],
    ['no funds', 'refused', new InsufficientFunds('poor')],
    ['an unknown profile', 'refused', new UnknownProfile('who')],
    [
      'a key used for another request',
      'refused',
      new IdempotencyConflict('key'),
    ],
    ['a final record', 'refused', new FinalRecordChange('final')],
    ['a plain error', 'error', new Error('bug')],
    ['a thrown string', 'error', 'bug'],
  ])('counts %s as %s', (_, outcome, error) => {
    expect(failedOutcome(error)).toBe(outcome);
  });

  it('counts a movement once, by how its caller is answered', async () => {
    const before = {
      ok: await counted('transfer', 'ok'),
      replayed: await counted('transfer', 'replayed'),
      refused: await counted('transfer', 'refused'),
    };
    await countedMovement('transfer', () =>
      Promise.resolve({ replayed: false }),
    );
    await countedMovement('transfer', () =>
      Promise.resolve({ replayed: true }),
    );
    const refusal = new InsufficientFunds('poor');
    await expect(
      countedMovement('transfer', () => Promise.reject(refusal)),
    ).rejects.toBe(refusal);
    expect({
      ok: await counted('transfer', 'ok'),
      replayed: await counted('transfer', 'replayed'),
      refused: await counted('transfer', 'refused'),
    }).toEqual({
      ok: before.ok + 1,
      replayed: before.replayed + 1,
      refused: before.refused + 1,
    });
  });

  it('counts a failed batch once per movement', async () => {
    const before = await counted('credit', 'busy');
    countFailed('credit', new DatabaseBusy('busy'), 5);
    expect(await counted('credit', 'busy')).toBe(before + 5);
  });
});
