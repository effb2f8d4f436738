import { isTransientPostgresError, postgresErrorOf } from './postgres-error';

describe('postgresErrorOf', () => {
  it('reads the fields of a pg error, or of the one TypeORM wraps', () => {
    const pg = Object.assign(new Error('pg'), {
      code: '23514',
      constraint: 'wallets_overdraft_check',
    });
    expect(postgresErrorOf(pg)).toEqual({
      code: '23514',
      constraint: 'wallets_overdraft_check',
      detail: undefined,
    });
    expect(postgresErrorOf({ driverError: pg })).toEqual(postgresErrorOf(pg));
  });

  it('reads no fields from non-objects', () => {
    expect(postgresErrorOf(null)).toEqual({});
    expect(postgresErrorOf(42)).toEqual({});
  });

  it.each([
    ['40001', true],
    ['40P01', true],
    ['23505', false],
  ])('counts SQLSTATE %s as transient: %s', (code, transient) => {
    expect(isTransientPostgresError({ code })).toBe(transient);
  });
});
