import {
  InsufficientFunds,
  InvalidAmount,
  InvalidWallet,
} from './economy.errors';
import { economyErrorFromPostgres } from './economy-refusals';

const pgError = (code: string, constraint?: string) =>
  Object.assign(new Error(`pg ${code}`), { code, constraint });

describe('economyErrorFromPostgres', () => {
  it.each([
    [pgError('23514', 'wallets_overdraft_check'), InsufficientFunds],
    [pgError('23514', 'wallets_balance_safe_integer_check'), InvalidAmount],
    [pgError('22003'), InvalidAmount],
    [pgError('23503', 'wallets_profile_id_fkey'), InvalidWallet],
  ])('maps %s to a domain error naming the context', (error, type) => {
    const mapped = economyErrorFromPostgres(error, 'wallet 12');
    expect(mapped).toBeInstanceOf(type);
    expect(mapped.message).toContain('wallet 12');
  });

  it('reads the driver error TypeORM wraps', () => {
    const wrapped = Object.assign(new Error('query failed'), {
      driverError: pgError('23514', 'wallets_overdraft_check'),
    });
    expect(economyErrorFromPostgres(wrapped, 'x')).toBeInstanceOf(
      InsufficientFunds,
    );
  });

  it('returns any other error unchanged', () => {
    const other = pgError('23514', 'some_other_check');
    expect(economyErrorFromPostgres(other, 'x')).toBe(other);
    expect(economyErrorFromPostgres('text', 'x')).toEqual(new Error('text'));
  });
});
