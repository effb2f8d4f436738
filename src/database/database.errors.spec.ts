import {
  busyErrorOf,
  DatabaseBusy,
  DatabaseUnavailable,
  databaseErrorOf,
  unavailableErrorOf,
} from './database.errors';

describe('busyErrorOf', () => {
  it.each([
    ['a lock wait past lock_timeout', { code: '55P03' }],
    ['a statement past statement_timeout', { code: '57014' }],
    ['a connection refused as one too many', { code: '53300' }],
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

describe('unavailableErrorOf', () => {
  it.each([
    ['a refused connection', { code: 'ECONNREFUSED' }],
    [
      'a reset socket',
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    ],
    ['a server shutting down', { code: '57P01' }],
    ['a server crashed', { code: '57P02' }],
    ['a server starting or in recovery', { code: '57P03' }],
    ['a replica refusing a write', { code: '25006' }],
    ['a connection exception', { code: '08006' }],
    [
      'a connection ended by the server',
      new Error('Connection terminated unexpectedly'),
    ],
    ['a server that stopped answering', new Error('Query read timeout')],
    [
      'a client whose connection failed',
      new Error(
        'Client has encountered a connection error and is not queryable',
      ),
    ],
    ['a TypeORM error over one', { driverError: { code: '57P01' } }],
    ['one already sorted', new DatabaseUnavailable('gone')],
  ])('reads %s as UNAVAILABLE', (_, error) => {
    expect(unavailableErrorOf(error)).toBeInstanceOf(DatabaseUnavailable);
  });

  it.each([
    ['a deadlock', { code: '40P01' }],
    ['a lock wait past its bound', { code: '55P03' }],
    ['a CHECK refusal', { code: '23514' }],
    ['a malformed message of ours', { code: '08P01' }],
    [
      'a client used after its release',
      new Error('Client was closed and is not queryable'),
    ],
    ['another error', new Error('terminated')],
    ['no error at all', null],
  ])('leaves %s alone', (_, error) => {
    expect(unavailableErrorOf(error)).toBeNull();
  });

  it('tells BUSY and UNAVAILABLE apart, and leaves the rest as they are', () => {
    expect(databaseErrorOf({ code: '55P03' })).toBeInstanceOf(DatabaseBusy);
    expect(databaseErrorOf({ code: 'ECONNREFUSED' })).toBeInstanceOf(
      DatabaseUnavailable,
    );
    const other = new Error('other');
    expect(databaseErrorOf(other)).toBe(other);
  });
});
