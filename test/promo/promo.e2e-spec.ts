// Promo codes over HTTP: campaigns that grant coins exactly as often as
// promised under a crowd, codes kept as digests only, one answer for every
// code that grants nothing, and a guessing limit every instance applies.
import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { CapturingLogger } from '../support/capturing-logger';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

describe('promo codes over HTTP', () => {
  const logger = new CapturingLogger();
  let t: HttpTestApp;
  let second: HttpTestApp;
  let admin: string;
  let service: string;
  const codesSeen: string[] = [];
  let sequence = 0;

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const createCampaign = async (body: Record<string, unknown>) => {
    const created = await request(t.app.getHttpServer())
      .post('/promo/campaigns')
      .set(as(admin))
      .send({ name: 'Spring cup', coins: 50, ...body });
    codesSeen.push(...((created.body.codes as string[] | undefined) ?? []));
    return created;
  };
  const sharedCode = () => {
    sequence += 1;
    const code = `SPRING-${process.pid}-${sequence}`;
    codesSeen.push(code);
    return code;
  };
  const redeem = async (
    profileId: number,
    code: string,
    options: { token?: string; key?: string; app?: HttpTestApp } = {},
  ): Promise<Answer> => {
    const call = request((options.app ?? t).app.getHttpServer())
      .post('/promo/redemptions')
      .set(as(options.token ?? service));
    if (options.key !== undefined) {
      void call.set('Idempotency-Key', options.key);
    }
    const { status, body, headers } = await call.send({ code, profileId });
    return {
      status,
      body: body as Record<string, unknown>,
      headers: headers,
    };
  };
  const ledgerRows = async (profile: Profile) => {
    const [{ n }] = await t.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM wallet_transactions t
         JOIN wallets w ON w.id = t.wallet_id WHERE w.profile_id = $1`,
      [profile.id],
    );
    return Number(n);
  };
  const profiles = async (count: number) => {
    const made: Profile[] = [];
    for (let i = 0; i < count; i++) {
      made.push(await t.createProfile());
    }
    return made;
  };

  beforeAll(async () => {
    t = await createHttpTestApp({ logger });
    second = await createHttpTestApp({ shared: t.database });
    const owner = await t.createProfile();
    admin = t.token(owner.id, ['admin']);
    service = t.token(owner.id, ['service']);
  });
  afterAll(async () => {
    await second.close();
    await t.close();
  });

  it('creates a shared-code campaign, credits a player once (any case), and never shows the code again', async () => {
    const code = sharedCode();
    const created = await createCampaign({ code, maxRedemptions: 5 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number) as number,
      name: 'Spring cup',
      coins: 50,
      maxRedemptions: 5,
      redeemed: 0,
      startsAt: null,
      endsAt: null,
      codes: [code],
    });
    const [player, other] = await profiles(2);
    const own = t.token(player.id, ['player']);

    const redeemed = await redeem(player.id, code.toLowerCase(), {
      token: own,
    });
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toEqual({
      campaignId: created.body.id as number,
      profileId: player.id,
      coins: 50,
      transactionId: expect.any(Number) as number,
      balanceAfter: 50,
    });
    const again = await redeem(player.id, code, { token: own });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'PROMO_ALREADY_REDEEMED' });
    expect((await redeem(other.id, code, { token: own })).status).toBe(403);
    expect(await ledgerRows(player)).toBe(1);
    expect(await ledgerRows(other)).toBe(0);

    const shown = await request(t.app.getHttpServer())
      .get(`/promo/campaigns/${created.body.id as number}`)
      .set(as(admin));
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ redeemed: 1 });
    expect(shown.body).not.toHaveProperty('codes');
  });

  it('pays a limited campaign exactly its limit when 300 players redeem at once', async () => {
    const code = sharedCode();
    const created = await createCampaign({ code, maxRedemptions: 100 });
    const players = await profiles(300);

    const answers = await Promise.all(
      players.map((player) => redeem(player.id, code)),
    );

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(100);
    expect(statuses.filter((status) => status === 422)).toHaveLength(200);
    for (const answer of answers.filter((a) => a.status === 422)) {
      expect(answer.body).toMatchObject({ code: 'PROMO_INVALID' });
    }
    const [{ credits }] = await t.dataSource.query<{ credits: string }[]>(
      `SELECT count(*) AS credits FROM wallet_transactions
        WHERE reason = 'PROMO' AND meta ->> 'campaignId' = $1`,
      [String(created.body.id)],
    );
    expect(Number(credits)).toBe(100);
    const shown = await request(t.app.getHttpServer())
      .get(`/promo/campaigns/${created.body.id as number}`)
      .set(as(admin));
    expect(shown.body).toMatchObject({ redeemed: 100 });
  });

  it('credits one player once when it redeems the same code 50 times at once', async () => {
    const code = sharedCode();
    await createCampaign({ code });
    const [player] = await profiles(1);

    const answers = await Promise.all(
      Array.from({ length: 50 }, () => redeem(player.id, code)),
    );

    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 201)) {
      expect([409, 429]).toContain(answer.status);
    }
    expect(await ledgerRows(player)).toBe(1);
  });

  it('spends a generated code on its first redemption, when two players race for it', async () => {
    const created = await createCampaign({ generate: 3, coins: 7 });
    expect(created.status).toBe(201);
    const codes = created.body.codes as string[];
    expect(codes).toHaveLength(3);
    for (const code of codes) {
      expect(code).toMatch(
        /^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{5}$/,
      );
    }
    const [a, b, c] = await profiles(3);

    const raced = await Promise.all([
      redeem(a.id, codes[0]),
      redeem(b.id, codes[0]),
    ]);

    expect(raced.map((answer) => answer.status).sort()).toEqual([201, 422]);
    expect((await ledgerRows(a)) + (await ledgerRows(b))).toBe(1);
    expect((await redeem(c.id, codes[1])).status).toBe(201);
  });

  it.each([
    ['an unknown code', () => Promise.resolve('NO-SUCH-CODE-1')],
    [
      'an exhausted campaign',
      async () => {
        const code = sharedCode();
        await createCampaign({ code, maxRedemptions: 1 });
        const [first] = await profiles(1);
        expect((await redeem(first.id, code)).status).toBe(201);
        return code;
      },
    ],
    [
      'a campaign not yet started',
      async () => {
        const code = sharedCode();
        await createCampaign({
          code,
          startsAt: new Date(Date.now() + 3_600_000).toISOString(),
        });
        return code;
      },
    ],
    [
      'an ended campaign',
      async () => {
        const code = sharedCode();
        await createCampaign({
          code,
          startsAt: new Date(Date.now() - 7_200_000).toISOString(),
          endsAt: new Date(Date.now() - 3_600_000).toISOString(),
        });
        return code;
      },
    ],
    [
      'a spent single-use code',
      async () => {
        const created = await createCampaign({ generate: 1 });
        const [code] = created.body.codes as string[];
        const [first] = await profiles(1);
        expect((await redeem(first.id, code)).status).toBe(201);
        return code;
      },
    ],
  ])(
    'answers %s with 422 PROMO_INVALID and writes nothing',
    async (_, codeOf) => {
      const code = await codeOf();
      const [player] = await profiles(1);

      const refused = await redeem(player.id, code);

      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        code: 'PROMO_INVALID',
        detail: 'this code cannot be redeemed',
      });
      expect(await ledgerRows(player)).toBe(0);
      const [{ n }] = await t.dataSource.query<{ n: string }[]>(
        'SELECT count(*) AS n FROM promo_redemptions WHERE profile_id = $1',
        [player.id],
      );
      expect(Number(n)).toBe(0);
    },
  );

  it('refuses malformed input, an unknown profile and a taken code, writing nothing', async () => {
    const [player] = await profiles(1);
    for (const code of ['short', 'has space 123', 'x'.repeat(33), 42]) {
      const answer = await request(t.app.getHttpServer())
        .post('/promo/redemptions')
        .set(as(service))
        .send({ code, profileId: player.id });
      expect(answer.status).toBe(400);
    }
    const code = sharedCode();
    await createCampaign({ code });
    const unknown = await redeem(2_000_000_000, code);
    expect(unknown.status).toBe(404);
    expect((await createCampaign({ code })).status).toBe(409);
    for (const body of [
      { code: sharedCode(), generate: 2 },
      {},
      { code: sharedCode(), coins: 0 },
      { code: sharedCode(), maxRedemptions: 0 },
      { generate: 10_001 },
      { code: sharedCode(), startsAt: 'tomorrow' },
      // Local time: another instant on each machine that reads it.
      { code: sharedCode(), startsAt: '2027-01-31T18:00:00' },
      { code: sharedCode(), endsAt: '2027-02-30T00:00:00Z' },
      {
        code: sharedCode(),
        startsAt: '2027-02-01T00:00:00Z',
        endsAt: '2027-01-01T00:00:00Z',
      },
    ]) {
      expect((await createCampaign(body)).status).toBe(400);
    }
    expect(await ledgerRows(player)).toBe(0);
  });

  it('replays a redemption sent again with its Idempotency-Key, and refuses the key for another code', async () => {
    const code = sharedCode();
    await createCampaign({ code });
    const [player] = await profiles(1);
    const key = `redeem-${player.id}`;

    const first = await redeem(player.id, code, { key });
    const replay = await redeem(player.id, code, { key });

    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const other = sharedCode();
    await createCampaign({ code: other });
    expect((await redeem(player.id, other, { key })).status).toBe(409);
    expect(await ledgerRows(player)).toBe(1);
  });

  it('limits guessing to 10 refusals in 10 minutes, across two instances, valid code or not', async () => {
    const code = sharedCode();
    await createCampaign({ code });
    const [guesser, bystander] = await profiles(2);
    for (let i = 0; i < 10; i++) {
      const refused = await redeem(guesser.id, `GUESS-${i}-XYZ`, {
        app: i % 2 === 0 ? t : second,
      });
      expect(refused.status).toBe(422);
    }

    for (const app of [t, second]) {
      const limited = await redeem(guesser.id, code, { app });
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
      const wait = Number(limited.headers['retry-after']);
      expect(wait).toBeGreaterThan(590);
      expect(wait).toBeLessThanOrEqual(600);
    }
    expect(await ledgerRows(guesser)).toBe(0);
    expect((await redeem(bystander.id, code, { app: second })).status).toBe(
      201,
    );
  });

  it('keeps no code in any table or log line', async () => {
    expect(codesSeen.length).toBeGreaterThan(5);
    const tables = await t.dataSource.query<{ name: string }[]>(
      `SELECT quote_ident(table_name) AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    let dump = '';
    for (const { name } of tables) {
      const rows = await t.database.asOwner((owner) =>
        owner.query<{ row: string }[]>(`SELECT t::text AS row FROM ${name} t`),
      );
      dump += rows.map(({ row }) => row).join('\n');
    }
    const logs = logger.text().toUpperCase();
    for (const code of codesSeen) {
      expect(dump.toUpperCase()).not.toContain(code.toUpperCase());
      expect(logs).not.toContain(code.toUpperCase());
    }
  });
});
