import { transientRetriesTotal } from '../metrics/metrics';
import { DEFAULT_RETRY_POLICY, retryTransient } from './transient-retry';

const pgError = (code: string) => Object.assign(new Error(code), { code });
const typeormError = (code: string) =>
  Object.assign(new Error('query failed'), { driverError: { code } });

describe('retryTransient', () => {
  const policy = { attempts: 4, baseDelayMs: 10, maxDelayMs: 25 };

  it.each([
    ['serialization failure', pgError('40001')],
    ['deadlock', pgError('40P01')],
    ['deadlock wrapped by TypeORM', typeormError('40P01')],
  ])('retries a %s until the operation succeeds', async (_, error) => {
    const sleeps: number[] = [];
    const operation = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(error)
      .mockRejectedValueOnce(error)
      .mockResolvedValue('done');
    await expect(
      retryTransient(operation, policy, (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      }),
    ).resolves.toBe('done');
    expect(operation).toHaveBeenCalledTimes(3);
    expect(sleeps).toHaveLength(2);
    // Full jitter: each pause is random within a growing, capped ceiling.
    expect(sleeps[0]).toBeGreaterThanOrEqual(0);
    expect(sleeps[0]).toBeLessThanOrEqual(20);
    expect(sleeps[1]).toBeLessThanOrEqual(25);
  });

  it('gives up after the bounded number of attempts with the last error', async () => {
    const error = pgError('40001');
    const operation = jest.fn<Promise<never>, []>().mockRejectedValue(error);
    await expect(
      retryTransient(operation, policy, () => Promise.resolve()),
    ).rejects.toBe(error);
    expect(operation).toHaveBeenCalledTimes(4);
  });

  it.each([
    ['a check violation', pgError('23514')],
    ['a unique violation', pgError('23505')],
    ['a plain error', new Error('boom')],
    ['a non-error value', 'boom'],
  ])('surfaces %s at once, unchanged', async (_, error) => {
    const operation = jest.fn<Promise<never>, []>().mockRejectedValue(error);
    await expect(
      retryTransient(operation, policy, () => Promise.resolve()),
    ).rejects.toBe(error);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('counts each attempt made again, and nothing else', async () => {
    const retries = async () =>
      (await transientRetriesTotal.get()).values[0]?.value ?? 0;
    const noSleep = () => Promise.resolve();
    const before = await retries();
    await retryTransient(
      jest
        .fn<Promise<string>, []>()
        .mockRejectedValueOnce(pgError('40001'))
        .mockRejectedValueOnce(pgError('40P01'))
        .mockResolvedValue('done'),
      policy,
      noSleep,
    );
    expect(await retries()).toBe(before + 2);
    // Four attempts: three of them again; the last error is not retried.
    await expect(
      retryTransient(
        jest.fn<Promise<never>, []>().mockRejectedValue(pgError('40001')),
        policy,
        noSleep,
      ),
    ).rejects.toThrow();
    expect(await retries()).toBe(before + 5);
    await expect(
      retryTransient(
        jest.fn<Promise<never>, []>().mockRejectedValue(pgError('23505')),
        policy,
        noSleep,
      ),
    ).rejects.toThrow();
    expect(await retries()).toBe(before + 5);
  });

  it('waits for real between attempts with the default sleep', async () => {
    const operation = jest
      .fn<Promise<number>, []>()
      .mockRejectedValueOnce(pgError('40P01'))
      .mockResolvedValue(7);
    await expect(retryTransient(operation)).resolves.toBe(7);
    expect(DEFAULT_RETRY_POLICY.attempts).toBeGreaterThan(1);
  });
});
