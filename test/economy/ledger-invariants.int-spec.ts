import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import { totalCoins } from '../support/ledger-queries';

/** The invariants PostgreSQL itself enforces, whatever the caller. */
describe('ledger invariants', () => {
  let ctx: EconomyTestContext;

  beforeAll(async () => {
    ctx = await createEconomyTestContext();
  });
  afterAll(() => ctx.close());

  it('conserves coins: a transfer moves them, only credits and debits create or destroy them', async () => {
    const [a, b, c] = await ctx.createProfiles(3);
    const before = await totalCoins(ctx.dataSource);
    await ctx.wallets.credit(a, 100, { reason: 'WINNER' });
    await ctx.wallets.transfer(a, b, 40);
    await ctx.wallets.transfer(b, c, 15);
    await ctx.wallets.debit(c, 5, { reason: 'PURCHASE' });
    expect([
      await ctx.wallets.getBalance(a),
      await ctx.wallets.getBalance(b),
      await ctx.wallets.getBalance(c),
    ]).toEqual([60, 25, 10]);
    expect((await totalCoins(ctx.dataSource)) - before).toBe(95);
    expect((await ctx.ledger.verifyInvariants()).ok).toBe(true);
  });

  it('refuses a negative balance without overdraft even to direct SQL', async () => {
    const profile = await ctx.createProfile();
    const { walletId } = await ctx.wallets.credit(profile, 10, {
      reason: 'WINNER',
    });
    await expect(
      ctx.dataSource.query(
        'UPDATE wallets SET cached_balance = -1 WHERE id = $1',
        [walletId],
      ),
    ).rejects.toThrow(/wallets_overdraft_check/);
    await ctx.wallets.setOverdraft(profile, true);
    await ctx.dataSource.query(
      'UPDATE wallets SET cached_balance = -1 WHERE id = $1',
      [walletId],
    );
    await ctx.ledger.recalcWallet(walletId);
    expect(await ctx.wallets.getBalance(profile)).toBe(10);
  });

  it('refuses a balance a JavaScript number cannot hold exactly', async () => {
    const profile = await ctx.createProfile();
    const { walletId } = await ctx.wallets.credit(profile, 1, {
      reason: 'WINNER',
    });
    await expect(
      ctx.dataSource.query(
        'UPDATE wallets SET cached_balance = 9007199254740992 WHERE id = $1',
        [walletId],
      ),
    ).rejects.toThrow(/wallets_balance_safe_integer_check/);
  });

  describe('immutability', () => {
    let transactionId: number;
    let walletId: number;

    beforeAll(async () => {
      const profile = await ctx.createProfile();
      const credit = await ctx.wallets.credit(profile, 10, {
        reason: 'WINNER',
        idempotencyKey: `immutable-${profile.id}`,
      });
      transactionId = credit.transactionId;
      walletId = credit.walletId;
    });

    /**
     * `sql` as the service's role, which lacks the privilege, and as the
     * owner, who has every privilege: the trigger refuses it all the same.
     */
    const refusedToAll = async (sql: string, params?: unknown[]) => {
      await expect(ctx.dataSource.query(sql, params)).rejects.toMatchObject({
        code: '42501',
      });
      await expect(
        ctx.database.asOwner((owner) => owner.query(sql, params)),
      ).rejects.toThrow(/not allowed/);
    };

    it.each([
      ['UPDATE', 'UPDATE wallet_transactions SET amount = 1000 WHERE id = $1'],
      ['DELETE', 'DELETE FROM wallet_transactions WHERE id = $1'],
    ])('rejects %s of a ledger row', async (_, sql) => {
      await refusedToAll(sql, [transactionId]);
      const [row]: { amount: string }[] = await ctx.dataSource.query(
        'SELECT amount FROM wallet_transactions WHERE id = $1',
        [transactionId],
      );
      expect(row.amount).toBe('10');
    });

    it('rejects TRUNCATE of the ledger and of the idempotency keys', async () => {
      await refusedToAll('TRUNCATE wallet_transactions CASCADE');
      await refusedToAll('TRUNCATE idempotency_keys CASCADE');
    });

    it('rejects changing or deleting an idempotency key', async () => {
      await refusedToAll(
        "UPDATE idempotency_keys SET request = '{}' WHERE key LIKE 'immutable-%'",
      );
      await refusedToAll(
        "DELETE FROM idempotency_keys WHERE key LIKE 'immutable-%'",
      );
    });

    it('rejects deleting a wallet', async () => {
      await refusedToAll('DELETE FROM wallets WHERE id = $1', [walletId]);
    });

    it("rejects changing a wallet's id or profile", async () => {
      const other = await ctx.createProfile();
      await expect(
        ctx.dataSource.query(
          'UPDATE wallets SET profile_id = $2 WHERE id = $1',
          [walletId, other.id],
        ),
      ).rejects.toThrow(/not allowed/);
      await expect(
        ctx.dataSource.query(
          'UPDATE wallets SET allow_overdraft = allow_overdraft WHERE id = $1',
          [walletId],
        ),
      ).resolves.toBeDefined();
    });

    it('rejects, at commit, a transfer whose legs do not balance', async () => {
      const runner = ctx.dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        await runner.query(
          `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, transfer_id)
           VALUES ($1, 10, 20, 'TRANSFER_IN', nextval('wallet_transfer_id_seq'))`,
          [walletId],
        );
        await expect(runner.commitTransaction()).rejects.toThrow(
          /transfer \d+ has 1 legs summing to 10/,
        );
      } finally {
        if (runner.isTransactionActive) {
          await runner.rollbackTransaction();
        }
        await runner.release();
      }
      const [{ count }]: { count: string }[] = await ctx.dataSource.query(
        "SELECT count(*) FROM wallet_transactions WHERE reason = 'TRANSFER_IN' AND wallet_id = $1",
        [walletId],
      );
      expect(count).toBe('0');
    });

    it('refuses, even from direct SQL, a second row paying in under a key already used', async () => {
      const idempotencyKey = `one-movement-${walletId}`;
      const profile = await ctx.createProfile();
      const credit = await ctx.wallets.credit(profile, 3, {
        reason: 'WINNER',
        idempotencyKey,
      });
      // In the same wallet or another: a transfer's legs alone share a key.
      for (const wallet of [credit.walletId, walletId]) {
        await expect(
          ctx.dataSource.query(
            `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason, idempotency_key)
             VALUES ($1, 3, 100, 'WINNER', $2)`,
            [wallet, idempotencyKey],
          ),
        ).rejects.toThrow(/wallet_transactions_idempotency_key_direction_key/);
      }
    });

    it('rejects a zero amount and an unknown reason even from direct SQL', async () => {
      await expect(
        ctx.dataSource.query(
          `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
           VALUES ($1, 0, 10, 'WINNER')`,
          [walletId],
        ),
      ).rejects.toThrow(/wallet_transactions_amount_check/);
      await expect(
        ctx.dataSource.query(
          `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
           VALUES ($1, 1, 11, 'JACKPOT')`,
          [walletId],
        ),
      ).rejects.toThrow(/wallet_transactions_reason_check/);
      await expect(
        ctx.dataSource.query(
          `INSERT INTO wallet_transactions (wallet_id, amount, balance_after, reason)
           VALUES ($1, 1, 11, 'TRANSFER_IN')`,
          [walletId],
        ),
      ).rejects.toThrow(/wallet_transactions_transfer_leg_check/);
    });
  });

  it.each([
    ['an empty key', ''],
    ['a key of 256 characters', 'k'.repeat(256)],
    ['a control character', 'a\tb'],
    ['a character beyond ASCII', 'clé'],
  ])(
    'refuses %s as an idempotency key even from direct SQL',
    async (_, key) => {
      await expect(
        ctx.dataSource.query(
          `INSERT INTO idempotency_keys (key, operation, request) VALUES ($1, 'CREDIT', '{}')`,
          [key],
        ),
      ).rejects.toThrow(/idempotency_keys_key_check/);
    },
  );

  it('accepts every printable ASCII character and 255 of them as a key', async () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) =>
      String.fromCharCode(0x20 + i),
    ).join('');
    for (const key of [printable, 'k'.repeat(255)]) {
      await ctx.dataSource.query(
        `INSERT INTO idempotency_keys (key, operation, request) VALUES ($1, 'CREDIT', '{}')`,
        [key],
      );
    }
  });

  it('orders the ledger by strictly increasing ids that follow each balance chain', async () => {
    const [a, b] = await ctx.createProfiles(2);
    const ids: number[] = [];
    ids.push(
      (await ctx.wallets.credit(a, 50, { reason: 'WINNER' })).transactionId,
    );
    const transfer = await ctx.wallets.transfer(a, b, 20);
    ids.push(transfer.debitTransactionId, transfer.creditTransactionId);
    ids.push(
      (await ctx.wallets.debit(b, 5, { reason: 'PURCHASE' })).transactionId,
    );
    ids.push(
      (await ctx.wallets.credit(a, 1, { reason: 'TOP4' })).transactionId,
    );
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);

    const history = await ctx.wallets.getTransactionHistory(a);
    const oldestFirst = [...history].reverse();
    let balance = 0;
    for (const entry of oldestFirst) {
      balance += entry.amount;
      expect(entry.balanceAfter).toBe(balance);
    }
    expect(balance).toBe(await ctx.wallets.getBalance(a));
  });

  it('recalculates a drifted wallet from its ledger', async () => {
    const profile = await ctx.createProfile();
    const { walletId } = await ctx.wallets.credit(profile, 80, {
      reason: 'WINNER',
    });
    await ctx.wallets.debit(profile, 30, { reason: 'PURCHASE' });
    await ctx.dataSource.query(
      'UPDATE wallets SET cached_balance = 999 WHERE id = $1',
      [walletId],
    );
    expect(await ctx.wallets.getBalance(profile)).toBe(999);
    expect(await ctx.ledger.recalcWallet(walletId)).toBe(50);
    expect(await ctx.wallets.getBalance(profile)).toBe(50);
    expect(await ctx.ledger.recalcWallet(walletId)).toBe(50);
  });
});
