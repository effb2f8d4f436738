import { busyErrorOf, DatabaseBusy } from './database.errors';

describe('busyErrorOf', () => {
  it.each([
    ['a lock wait past lock_timeout', { code: '55P03' }],
    ['a statement past statement_timeout', { code: '57014' }],
    [
      'no pooled connection in time',
      new Error('timeout exceeded when trying to connect'),
    ],
    ['one already sorted', new DatabaseBusy('busy')],
  ])('reads %s as BUSY', (_, error) => {
    expect(busyErrorOf(error)).toBeInstanceOf(DatabaseBusy);
  });

  it.each([
    ['a deadlock', { code: '40P01' }],
    ['a CHECK refusal', { code: '23514' }],
    ['another error', new Error('timeout')],
    ['no error at all', null],
  ])('leaves %s alone', (_, error) => {
    expect(busyErrorOf(error)).toBeNull();
  });
});
