// What a player learns through the API is its own: never another player's
// balance or wallet, never what operators wrote about it.
import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { WalletService } from '../../src/economy/wallets/wallet.service';
import { runCli } from '../support/cli-process';
import {
  createHttpTestApp,
  TEST_JWT_SECRET,
  type HttpTestApp,
} from '../support/http-test-app';

describe('what a player sees', () => {
  let t: HttpTestApp;
  let alice: Profile;
  let bob: Profile;
  let aliceToken: string;
  let serviceToken: string;

  const http = () => request(t.app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const historyOf = async (profileId: number, token: string) =>
    (
      (
        await http()
          .get(`/wallets/${profileId}/transactions`)
          .set(bearer(token))
      ).body as { items: { reason: string; meta: unknown }[] }
    ).items;

  beforeAll(async () => {
    t = await createHttpTestApp();
    [alice, bob] = [await t.createProfile(), await t.createProfile()];
    aliceToken = t.token(alice.id, ['player']);
    serviceToken = t.token(bob.id, ['service']);
    await http()
      .post(`/wallets/${alice.id}/credit`)
      .set(bearer(serviceToken))
      .send({ amount: 100, reason: 'WINNER' });
  });
  afterAll(() => t.close());

  it("never answers a player's transfer, nor its replay, with the other wallet's balance", async () => {
    const send = () =>
      http()
        .post('/transfers')
        .set(bearer(aliceToken))
        .set('Idempotency-Key', 'visibility-1')
        .send({ fromProfileId: alice.id, toProfileId: bob.id, amount: 30 });
    const first = await send();
    const replay = await send();
    expect(first.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    for (const response of [first, replay]) {
      expect(response.body).toEqual({
        fromWalletId: expect.any(Number),
        fromBalanceAfter: 70,
        debitTransactionId: expect.any(Number),
        idempotencyKey: 'visibility-1',
      });
      expect(JSON.stringify(response.body)).not.toContain('"toBalanceAfter"');
    }
  });

  it("keeps an operator's note and id out of the player's history, not out of the platform's", async () => {
    const adjust = await runCli(
      [
        'adjust',
        '--profile',
        String(alice.id),
        '--amount',
        '-5',
        '--note',
        'chargeback 881 - suspected fraud',
        '--operator',
        '7',
      ],
      { DATABASE_URL: t.database.url, JWT_SECRET: TEST_JWT_SECRET },
    );
    expect(adjust.code).toBe(0);

    const seenByPlayer = await historyOf(alice.id, aliceToken);
    expect(seenByPlayer[0]).toMatchObject({
      reason: 'MANUAL_ADJUST',
      meta: { source: 'admin-console' },
    });
    expect(JSON.stringify(seenByPlayer)).not.toMatch(/chargeback|operatorId/);

    const seenByPlatform = await historyOf(alice.id, serviceToken);
    expect(seenByPlatform[0].meta).toEqual({
      source: 'admin-console',
      internal: { note: 'chargeback 881 - suspected fraud', operatorId: 7 },
    });
  });

  it('hides the notes adjustments carried at the top of meta before, too', async () => {
    // As the console wrote them until notes moved under `internal`.
    await t.app.get(WalletService).credit(alice.id, 3, {
      reason: 'MANUAL_ADJUST',
      meta: { note: 'goodwill', operatorId: 3, source: 'admin-console' },
    });
    const [entry] = await historyOf(alice.id, aliceToken);
    expect(entry.meta).toEqual({ source: 'admin-console' });
    const [full] = await historyOf(alice.id, serviceToken);
    expect(full.meta).toMatchObject({ note: 'goodwill', operatorId: 3 });
  });

  it('shows a player the meta services give its own movements, internal member aside', async () => {
    await http()
      .post(`/wallets/${alice.id}/credit`)
      .set(bearer(serviceToken))
      .send({
        amount: 1,
        reason: 'PARTICIPATION',
        meta: { tournament: 'spring cup', internal: { reviewer: 9 } },
      });
    const [entry] = await historyOf(alice.id, aliceToken);
    expect(entry.meta).toEqual({ tournament: 'spring cup' });
  });
});
