// Holds over HTTP: the platform reserves coins, then captures or releases
// them once; players may not touch holds; a closed hold refuses every other
// action with 409 HOLD_STATE and moves nothing.
import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';

describe('holds over HTTP', () => {
  let t: HttpTestApp;
  let owner: Profile;
  let admin: string;
  let service: string;
  let player: string;

  const http = () => request(t.app.getHttpServer());
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const wallet = async () =>
    (await http().get(`/wallets/${owner.id}`).set(as(service))).body as {
      balance: number;
      held: number;
      available: number;
    };
  const hold = (amount: number, extra: Record<string, unknown> = {}) =>
    http()
      .post(`/wallets/${owner.id}/holds`)
      .set(as(service))
      .send({ amount, reason: 'PURCHASE', ...extra });

  beforeAll(async () => {
    t = await createHttpTestApp();
    owner = await t.createProfile();
    admin = t.token(owner.id, ['admin']);
    service = t.token(owner.id, ['service']);
    player = t.token(owner.id, ['player']);
    await http()
      .post(`/wallets/${owner.id}/credit`)
      .set(as(service))
      .send({ amount: 500, reason: 'WINNER' });
  });
  afterAll(() => t.close());

  it('places a hold (201), shows it, and the wallet reads held and available', async () => {
    const placed = await hold(120, {
      expiresInSeconds: 60,
      meta: { order: 'o-1' },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toEqual({
      holdId: expect.any(Number) as number,
      walletId: expect.any(Number) as number,
      amount: 120,
      status: 'PENDING',
      expiresAt: expect.any(String) as string,
      available: 380,
    });
    const expiresIn = Date.parse(placed.body.expiresAt as string) - Date.now();
    expect(expiresIn).toBeGreaterThan(50_000);
    expect(expiresIn).toBeLessThanOrEqual(60_000);
    expect(await wallet()).toMatchObject({
      balance: 500,
      held: 120,
      available: 380,
    });
    const read = await http()
      .get(`/holds/${placed.body.holdId}`)
      .set(as(admin));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      holdId: placed.body.holdId,
      profileId: owner.id,
      amount: 120,
      reason: 'PURCHASE',
      status: 'PENDING',
      capturedAmount: null,
      transactionId: null,
      meta: { order: 'o-1' },
    });
    await http().post(`/holds/${placed.body.holdId}/release`).set(as(service));
  });

  it('captures part of a hold as one debit and releases the rest', async () => {
    const placed = await hold(100);
    const captured = await http()
      .post(`/holds/${placed.body.holdId}/capture`)
      .set(as(service))
      .send({ amount: 60 });
    expect(captured.status).toBe(200);
    expect(captured.body).toEqual({
      holdId: placed.body.holdId,
      status: 'CAPTURED',
      capturedAmount: 60,
      transactionId: expect.any(Number) as number,
      balanceAfter: 440,
    });
    expect(await wallet()).toMatchObject({
      balance: 440,
      held: 0,
      available: 440,
    });
    const [debit] = (
      await http()
        .get(`/wallets/${owner.id}/transactions?limit=1`)
        .set(as(service))
    ).body.items as { id: number; amount: number; reason: string }[];
    expect(debit).toMatchObject({
      id: captured.body.transactionId,
      amount: -60,
      reason: 'PURCHASE',
    });
  });

  it('captures all of a hold when no amount is sent, and releases another', async () => {
    const whole = await hold(40);
    const captured = await http()
      .post(`/holds/${whole.body.holdId}/capture`)
      .set(as(admin));
    expect([captured.status, captured.body.capturedAmount]).toEqual([200, 40]);
    const other = await hold(40);
    const released = await http()
      .post(`/holds/${other.body.holdId}/release`)
      .set(as(service));
    expect([released.status, released.body]).toEqual([
      200,
      { holdId: other.body.holdId, status: 'RELEASED' },
    ]);
    expect(await wallet()).toMatchObject({ balance: 400, held: 0 });
  });

  it('answers 409 HOLD_STATE to any action on a closed hold, moving nothing', async () => {
    const placed = await hold(10);
    await http().post(`/holds/${placed.body.holdId}/release`).set(as(service));
    const before = await wallet();
    for (const action of ['capture', 'release']) {
      const refused = await http()
        .post(`/holds/${placed.body.holdId}/${action}`)
        .set(as(service));
      expect([refused.status, refused.body.code]).toEqual([409, 'HOLD_STATE']);
      expect(refused.headers['content-type']).toMatch(
        /^application\/problem\+json/,
      );
    }
    expect(await wallet()).toEqual(before);
  });

  it('refuses what cannot be held or captured, with nothing written', async () => {
    const before = await wallet();
    const tooMuch = await hold(before.available + 1);
    expect([tooMuch.status, tooMuch.body.code]).toEqual([
      422,
      'INSUFFICIENT_FUNDS',
    ]);
    const placed = await hold(5);
    const over = await http()
      .post(`/holds/${placed.body.holdId}/capture`)
      .set(as(service))
      .send({ amount: 6 });
    expect([over.status, over.body.code]).toEqual([400, 'INVALID_AMOUNT']);
    expect(
      (await http().get(`/holds/${placed.body.holdId}`).set(as(service))).body,
    ).toMatchObject({ status: 'PENDING' });
    await http().post(`/holds/${placed.body.holdId}/release`).set(as(service));
    for (const [body, code] of [
      [{ amount: 0, reason: 'PURCHASE' }, 'INVALID_AMOUNT'],
      [{ amount: 1.5, reason: 'PURCHASE' }, 'INVALID_AMOUNT'],
      [{ amount: 1, reason: 'WINNER' }, 'VALIDATION_FAILED'],
      [
        { amount: 1, reason: 'PURCHASE', expiresInSeconds: 86_401 },
        'VALIDATION_FAILED',
      ],
      [
        { amount: 1, reason: 'PURCHASE', expiresInSeconds: 0 },
        'VALIDATION_FAILED',
      ],
    ] as const) {
      const refused = await http()
        .post(`/wallets/${owner.id}/holds`)
        .set(as(service))
        .send(body);
      expect([refused.status, refused.body.code]).toEqual([400, code]);
    }
    expect((await http().get('/holds/987654321').set(as(service))).status).toBe(
      404,
    );
    expect(
      (await http().post('/holds/987654321/capture').set(as(service))).body
        .code,
    ).toBe('NOT_FOUND');
    const unknownWallet = await http()
      .post('/wallets/987654321/holds')
      .set(as(service))
      .send({ amount: 1, reason: 'PURCHASE' });
    expect(unknownWallet.status).toBe(404);
    expect(await wallet()).toEqual(before);
  });

  it('replays a keyed hold, and refuses its key for another body', async () => {
    const key = { 'Idempotency-Key': 'hold-once' };
    const first = await hold(7).set(key);
    const replay = await hold(7).set(key);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.holdId).toBe(first.body.holdId);
    const conflict = await hold(8).set(key);
    expect([conflict.status, conflict.body.code]).toEqual([
      409,
      'IDEMPOTENCY_CONFLICT',
    ]);
    expect((await wallet()).held).toBe(7);
    await http().post(`/holds/${first.body.holdId}/release`).set(as(service));
  });

  it('lets no player place, read, capture or release a hold, not even on its own wallet', async () => {
    const placed = await hold(3);
    for (const call of [
      http()
        .post(`/wallets/${owner.id}/holds`)
        .send({ amount: 1, reason: 'PURCHASE' }),
      http().get(`/holds/${placed.body.holdId}`),
      http().post(`/holds/${placed.body.holdId}/capture`),
      http().post(`/holds/${placed.body.holdId}/release`),
    ]) {
      expect((await call.set(as(player))).status).toBe(403);
    }
    expect((await http().get(`/holds/${placed.body.holdId}`)).status).toBe(401);
    expect((await wallet()).held).toBe(3);
    await http().post(`/holds/${placed.body.holdId}/release`).set(as(service));
  });
});
