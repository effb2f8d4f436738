// Redemptions in batches (RedemptionCoalescer, promo_redeem_batch): a crowd
// shares commits, each redemption keeps its own outcome, a campaign never
// pays past its limit, and a locked wallet or count slot holds back only
// the redemptions that need it.
import { Client } from 'pg';
import { DatabaseBusy } from '../../src/database/database.errors';
import { IdempotencyConflict } from '../../src/economy/economy.errors';
import type { Profile } from '../../src/profiles';
import {
  CampaignService,
  PromoAlreadyRedeemed,
  PromoInvalid,
  PromoModule,
  RedemptionService,
} from '../../src/promo';
import { codeDigest } from '../../src/promo/promo-codes';
import {
  GUESSING_LIMIT,
  type PendingRedemption,
} from '../../src/promo/pending-redemption';
import {
  RedemptionBatchWriter,
  type RedemptionMember,
} from '../../src/promo/redemption-batch-writer';
import { PromoRepository } from '../../src/promo/repositories/promo.repository';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

const SECRET = 'redemption-batches-test-secret-'.padEnd(48, 'x');
let codeSequence = 0;

async function promoContext(
  options: Parameters<typeof createEconomyTestContext>[0] = {},
) {
  const ctx = await createEconomyTestContext({
    ...options,
    modules: [PromoModule.forRoot({ secret: SECRET })],
  });
  const campaigns = ctx.get(CampaignService);
  return {
    ctx,
    redemptions: ctx.get(RedemptionService),
    repository: ctx.get(PromoRepository),
    /** A campaign of one shared code, paying `coins`; its code. */
    campaign: async (coins: number, maxRedemptions: number | null) => {
      codeSequence += 1;
      const code = `BATCH-${process.pid}-${codeSequence}`;
      const created = await campaigns.create({
        name: 'batches',
        coins,
        maxRedemptions,
        code,
      });
      return { id: created.id, code, find: () => campaigns.find(created.id) };
    },
    /** Profiles with wallets (a redemption without one makes it first). */
    players: async (count: number) => {
      const made = await ctx.createProfiles(count);
      for (const profile of made) {
        await ctx.wallets.ensureWallet(profile);
      }
      return made;
    },
    pending: (code: string, profile: Profile): PendingRedemption => ({
      digest: codeDigest(SECRET, code),
      profileId: profile.id,
      key: null,
      fingerprint: `${profile.id}`,
    }),
  };
}

type PromoContext = Awaited<ReturnType<typeof promoContext>>;

/** A batch member as the coalescer makes it, and its caller's promise. */
function memberOf(item: PendingRedemption) {
  let settle!: (outcome: { value: unknown } | { error: Error }) => void;
  const settled = new Promise((resolve, reject) => {
    settle = (outcome) =>
      'value' in outcome ? resolve(outcome.value) : reject(outcome.error);
  });
  settled.catch(() => undefined);
  const member: RedemptionMember & { settled: Promise<unknown> } = {
    item,
    answered: false,
    answer: (outcome) => {
      member.answered = true;
      settle(outcome);
    },
    settled,
  };
  return member;
}

/** Transactions that wrote the campaign's redemptions (a row's xmin is its writer's). */
async function writersOf(ctx: EconomyTestContext, campaignId: number) {
  const [row] = await ctx.dataSource.query<{ writers: string }[]>(
    `SELECT count(DISTINCT xmin::text) AS writers
       FROM promo_redemptions WHERE campaign_id = $1`,
    [campaignId],
  );
  return Number(row.writers);
}

describe('redemptions in batches', () => {
  // Two connections: one lane, so that what queues behind the first
  // redemption goes in one batch.
  let p: PromoContext;

  beforeAll(async () => {
    p = await promoContext({ poolSize: 2 });
  });
  afterAll(() => p.ctx.close());

  it('redeems 64 players of one shared code at once in fewer transactions, each paid once', async () => {
    const campaign = await p.campaign(7, 1_000);
    const players = await p.players(64);

    const paid = await Promise.all(
      players.map((player) =>
        p.redemptions.redeem({ code: campaign.code, profileId: player.id }),
      ),
    );

    for (const [i, player] of players.entries()) {
      expect(paid[i]).toMatchObject({
        campaignId: campaign.id,
        profileId: player.id,
        coins: 7,
        balanceAfter: 7,
        replayed: false,
      });
      expect((await p.ctx.wallets.getWallet(player)).balance).toBe(7);
    }
    expect(await campaign.find()).toMatchObject({ redeemed: 64 });
    expect(await writersOf(p.ctx, campaign.id)).toBeLessThan(64);
    expect(await p.ctx.ledger.verifyInvariants()).toMatchObject({ ok: true });
  });

  it('commits the redemptions of a batch beside its refused ones, each refusal its own', async () => {
    const campaign = await p.campaign(5, null);
    const [earlier, ...fresh] = await p.players(9);
    await p.redemptions.redeem({ code: campaign.code, profileId: earlier.id });

    const outcomes = await Promise.allSettled([
      ...fresh.map((player) =>
        p.redemptions.redeem({ code: campaign.code, profileId: player.id }),
      ),
      p.redemptions.redeem({ code: campaign.code, profileId: earlier.id }),
      p.redemptions.redeem({ code: 'NO-SUCH-CODE', profileId: fresh[0].id }),
    ]);

    expect(outcomes.slice(0, 8).map(({ status }) => status)).toEqual(
      Array(8).fill('fulfilled'),
    );
    expect((outcomes[8] as PromiseRejectedResult).reason).toBeInstanceOf(
      PromoAlreadyRedeemed,
    );
    expect((outcomes[9] as PromiseRejectedResult).reason).toBeInstanceOf(
      PromoInvalid,
    );
    expect((await p.ctx.wallets.getWallet(earlier)).balance).toBe(5);
    for (const player of fresh) {
      expect((await p.ctx.wallets.getWallet(player)).balance).toBe(5);
    }
    expect(await campaign.find()).toMatchObject({ redeemed: 9 });
  });

  it('pays a key sent 20 times at once once, the others replaying it', async () => {
    const campaign = await p.campaign(9, null);
    const [player] = await p.players(1);

    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        p.redemptions.redeem({
          code: campaign.code,
          profileId: player.id,
          idempotencyKey: `same-${player.id}`,
        }),
      ),
    );

    expect(answers.filter(({ replayed }) => !replayed)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.transactionId)).size).toBe(1);
    expect((await p.ctx.wallets.getWallet(player)).balance).toBe(9);
    expect(await campaign.find()).toMatchObject({ redeemed: 1 });
  });

  it('credits one profile redeeming two campaigns in one batch, balance_after chained', async () => {
    const first = await p.campaign(3, 10);
    const second = await p.campaign(5, null);
    const [player] = await p.players(1);

    const rows = await p.repository.redeemBatch(
      [p.pending(first.code, player), p.pending(second.code, player)],
      false,
      GUESSING_LIMIT,
    );

    expect(rows.map(({ paid }) => paid)).toEqual([
      expect.objectContaining({ campaignId: first.id, balanceAfter: 3 }),
      expect.objectContaining({ campaignId: second.id, balanceAfter: 8 }),
    ]);
    expect((await p.ctx.wallets.getWallet(player)).balance).toBe(8);
    expect(await p.ctx.ledger.verifyInvariants()).toMatchObject({ ok: true });
  });

  it('refuses a code that grants nothing to a profile without a wallet, or an unknown one, making no wallet', async () => {
    const exhausted = await p.campaign(2, 1);
    const [taker] = await p.players(1);
    await p.redemptions.redeem({ code: exhausted.code, profileId: taker.id });
    const [walletless] = await p.ctx.createProfiles(1);

    for (const profileId of [walletless.id, 2_000_000_000]) {
      await expect(
        p.redemptions.redeem({ code: exhausted.code, profileId }),
      ).rejects.toBeInstanceOf(PromoInvalid);
    }
    const [{ n }] = await p.ctx.dataSource.query<{ n: string }[]>(
      'SELECT count(*) AS n FROM wallets WHERE profile_id = $1',
      [walletless.id],
    );
    expect(Number(n)).toBe(0);
  });

  it('refuses a used key to a profile without a wallet, making no wallet', async () => {
    const first = await p.campaign(2, null);
    const second = await p.campaign(2, null);
    const [taker] = await p.players(1);
    const [walletless] = await p.ctx.createProfiles(1);
    const key = `used-${taker.id}`;
    await p.redemptions.redeem({
      code: first.code,
      profileId: taker.id,
      idempotencyKey: key,
    });

    await expect(
      p.redemptions.redeem({
        code: second.code,
        profileId: walletless.id,
        idempotencyKey: key,
      }),
    ).rejects.toBeInstanceOf(IdempotencyConflict);
    const [{ n }] = await p.ctx.dataSource.query<{ n: string }[]>(
      'SELECT count(*) AS n FROM wallets WHERE profile_id = $1',
      [walletless.id],
    );
    expect(Number(n)).toBe(0);
  });

  it('gives the capacity a refused claim left to the next redemptions of the batch, and never passes the limit', async () => {
    const campaign = await p.campaign(3, 5);
    const [a, b, c, d, e, f] = await p.players(6);
    for (const player of [a, b]) {
      await p.redemptions.redeem({ code: campaign.code, profileId: player.id });
    }

    const rows = await p.repository.redeemBatch(
      [a, b, c, d, e, f].map((player) => p.pending(campaign.code, player)),
      true,
      GUESSING_LIMIT,
    );

    expect(rows.map(({ outcome }) => outcome)).toEqual([
      'already-redeemed',
      'already-redeemed',
      'redeemed',
      'redeemed',
      'redeemed',
      'invalid',
    ]);
    expect(rows[4].paid).toMatchObject({ coins: 3, balanceAfter: 3 });
    expect(await campaign.find()).toMatchObject({ redeemed: 5 });
    expect((await p.ctx.wallets.getWallet(f)).balance).toBe(0);
  });

  it('answers a profile without a wallet no-wallet and a limited profile invalid, writing nothing for them', async () => {
    const campaign = await p.campaign(2, null);
    const [walletless] = await p.ctx.createProfiles(1);
    const [limited, paid] = await p.players(2);
    await p.ctx.dataSource.query(
      `INSERT INTO promo_refusals (profile_id)
       SELECT $1 FROM generate_series(1, $2)`,
      [limited.id, GUESSING_LIMIT.allowed],
    );

    const rows = await p.repository.redeemBatch(
      [walletless, limited, paid].map((player) =>
        p.pending(campaign.code, player),
      ),
      false,
      GUESSING_LIMIT,
    );

    expect(rows.map(({ outcome }) => outcome)).toEqual([
      'no-wallet',
      'invalid',
      'redeemed',
    ]);
    expect(await campaign.find()).toMatchObject({ redeemed: 1 });
    expect((await p.ctx.wallets.getWallet(limited)).balance).toBe(0);
  });
});

describe('redemptions meeting rows another session holds', () => {
  let p: PromoContext;
  let locker: Client;

  beforeAll(async () => {
    p = await promoContext({
      poolSize: 4,
      bounds: { lockWaitMs: 300, statementMs: 5_000, poolWaitMs: 800 },
    });
    locker = new Client({ connectionString: p.ctx.database.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.query('ROLLBACK');
    await locker.end();
    await p.ctx.close();
  });

  /** Opens the locker's transaction, holding the profile's wallet row. */
  const lockWallet = async (profile: Profile) => {
    await locker.query('BEGIN');
    await locker.query(
      'SELECT 1 FROM wallets WHERE profile_id = $1 FOR UPDATE',
      [profile.id],
    );
  };

  it('skips a locked wallet and a locked count slot in a first call, and writes them once they are free', async () => {
    const campaign = await p.campaign(4, 2);
    const [stuck, free, last] = await p.players(3);
    await lockWallet(stuck);
    await locker.query(
      'SELECT 1 FROM promo_campaign_slots WHERE campaign_id = $1 AND slot = 0 FOR UPDATE',
      [campaign.id],
    );

    const first = await p.repository.redeemBatch(
      [stuck, free, last].map((player) => p.pending(campaign.code, player)),
      false,
      GUESSING_LIMIT,
    );
    // `free` takes slot 1; slot 0 still has room, so `last` waits for it.
    expect(first.map(({ outcome }) => outcome)).toEqual([
      'skipped',
      'redeemed',
      'skipped-slot',
    ]);
    await locker.query('ROLLBACK');

    const again = await p.repository.redeemBatch(
      [stuck, last].map((player) => p.pending(campaign.code, player)),
      true,
      GUESSING_LIMIT,
    );
    expect(again.map(({ outcome }) => outcome)).toEqual([
      'redeemed',
      'invalid',
    ]);
    expect(await campaign.find()).toMatchObject({ redeemed: 2 });
  });

  it('sends what it skipped on a busy slot apart from what it skipped on a locked wallet, which alone answers BUSY', async () => {
    const campaign = await p.campaign(4, 2);
    const [stuck, free, last] = await p.players(3);
    await lockWallet(stuck);
    const slotHolder = new Client({ connectionString: p.ctx.database.url });
    await slotHolder.connect();
    await slotHolder.query('BEGIN');
    await slotHolder.query(
      'SELECT 1 FROM promo_campaign_slots WHERE campaign_id = $1 AND slot = 0 FOR UPDATE',
      [campaign.id],
    );
    setTimeout(() => void slotHolder.query('ROLLBACK'), 100);

    const members = [stuck, free, last].map((player) =>
      memberOf(p.pending(campaign.code, player)),
    );
    await p.ctx.get(RedemptionBatchWriter).settle(members, () => undefined);
    await locker.query('ROLLBACK');
    await slotHolder.end();

    await expect(members[0].settled).rejects.toBeInstanceOf(DatabaseBusy);
    for (const member of members.slice(1)) {
      await expect(member.settled).resolves.toMatchObject({
        outcome: 'redeemed',
      });
    }
    expect(await campaign.find()).toMatchObject({ redeemed: 2 });
    expect((await p.ctx.wallets.getWallet(stuck)).balance).toBe(0);
  });

  it('holds back only the locked wallet, whose redemption answers BUSY with nothing written, then goes once free', async () => {
    const campaign = await p.campaign(6, null);
    const [stuck, ...others] = await p.players(9);
    await lockWallet(stuck);

    const started = Date.now();
    const onStuck = p.redemptions.redeem({
      code: campaign.code,
      profileId: stuck.id,
    });
    const elsewhere = others.map((player) =>
      p.redemptions
        .redeem({ code: campaign.code, profileId: player.id })
        .then(() => Date.now() - started),
    );
    expect(Math.max(...(await Promise.all(elsewhere)))).toBeLessThan(1_000);
    await expect(onStuck).rejects.toBeInstanceOf(DatabaseBusy);
    await locker.query('ROLLBACK');

    expect((await p.ctx.wallets.getWallet(stuck)).balance).toBe(0);
    expect(await campaign.find()).toMatchObject({ redeemed: 8 });
    await expect(
      p.redemptions.redeem({ code: campaign.code, profileId: stuck.id }),
    ).resolves.toMatchObject({ coins: 6, balanceAfter: 6 });
  });
});
