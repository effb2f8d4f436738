// The shop over HTTP: the catalog, and purchases through their whole life,
// with every role rule and refusal; each refusal holds nothing and takes no
// stock.
import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the DeltaCoin shop', () => {
  let t: HttpTestApp;
  let buyer: Profile;
  let other: Profile;
  let admin: string;
  let service: string;
  let buyerToken: string;
  let otherToken: string;
  let keys = 0;

  const http = () => request(t.app.getHttpServer());
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const addItem = async (item: Record<string, unknown>) => {
    const response = await http().post('/shop/items').set(as(admin)).send(item);
    expect(response.status).toBe(201);
    return response.body as { id: number; sku: string; stock: number | null };
  };
  const buy = (
    token: string,
    body: Record<string, unknown>,
    key: string | null = `k-${++keys}`,
  ) => {
    const call = http().post('/purchases').set(as(token));
    return (key === null ? call : call.set('Idempotency-Key', key)).send(body);
  };
  const wallet = async (profile: Profile) =>
    (await http().get(`/wallets/${profile.id}`).set(as(service))).body as {
      balance: number;
      held: number;
      available: number;
    };
  const item = async (id: number) =>
    (
      (await http().get('/shop/items?includeInactive=true').set(as(admin)))
        .body as { items: { id: number; stock: number | null }[] }
    ).items.find((found) => found.id === id)!;

  beforeAll(async () => {
    t = await createHttpTestApp();
    [buyer, other] = [await t.createProfile(), await t.createProfile()];
    admin = t.token(buyer.id, ['admin']);
    service = t.token(other.id, ['service']);
    buyerToken = t.token(buyer.id, ['player']);
    otherToken = t.token(other.id, ['player']);
    await http()
      .post(`/wallets/${buyer.id}/credit`)
      .set(as(service))
      .send({ amount: 1000, reason: 'WINNER' });
  });
  afterAll(() => t.close());

  describe('catalog', () => {
    it('lets an admin add and change items, and refuses a sku twice', async () => {
      const added = await addItem({ sku: 'cat-a', name: 'A', price: 10 });
      expect(added).toEqual({
        id: expect.any(Number) as number,
        sku: 'cat-a',
        name: 'A',
        price: 10,
        stock: null,
        perProfileLimit: null,
        active: true,
      });
      const again = await http()
        .post('/shop/items')
        .set(as(admin))
        .send({ sku: 'cat-a', name: 'B', price: 1 });
      expect([again.status, again.body.code]).toEqual([409, 'SKU_TAKEN']);
      const changed = await http()
        .patch(`/shop/items/${added.id}`)
        .set(as(admin))
        .send({ price: 12, stock: 3, active: false });
      expect(changed.body).toMatchObject({
        price: 12,
        stock: 3,
        active: false,
      });
      const unlimited = await http()
        .patch(`/shop/items/${added.id}`)
        .set(as(admin))
        .send({ stock: null });
      expect(unlimited.body).toMatchObject({ stock: null, price: 12 });
      for (const [method, path] of [
        ['post', '/shop/items'],
        ['patch', `/shop/items/${added.id}`],
      ] as const) {
        expect(
          (await http()[method](path).set(as(service)).send({ price: 1 }))
            .status,
        ).toBe(403);
      }
      expect(
        (await http().patch('/shop/items/987654').set(as(admin)).send({}))
          .status,
      ).toBe(404);
    });

    it('lists active items to anyone signed in, inactive ones to admins alone', async () => {
      const active = await addItem({ sku: 'cat-on', name: 'On', price: 5 });
      const inactive = await addItem({
        sku: 'cat-off',
        name: 'Off',
        price: 5,
        active: false,
      });
      const seen = (response: request.Response) =>
        (response.body as { items: { id: number }[] }).items.map((i) => i.id);
      const listed = await http().get('/shop/items').set(as(buyerToken));
      expect(seen(listed)).toContain(active.id);
      expect(seen(listed)).not.toContain(inactive.id);
      expect(
        (
          await http()
            .get('/shop/items?includeInactive=true')
            .set(as(buyerToken))
        ).status,
      ).toBe(403);
      expect(
        seen(
          await http().get('/shop/items?includeInactive=true').set(as(admin)),
        ),
      ).toContain(inactive.id);
      expect((await http().get('/shop/items')).status).toBe(401);
    });
  });

  describe('purchases', () => {
    it('holds the total and reserves the stock, replays its key, and refuses its key for another body', async () => {
      const skin = await addItem({
        sku: 'p-skin',
        name: 'Skin',
        price: 100,
        stock: 5,
      });
      const body = {
        profileId: buyer.id,
        lines: [{ sku: 'p-skin', quantity: 2 }],
      };
      const missingKey = await buy(buyerToken, body, null);
      expect([missingKey.status, missingKey.body.code]).toEqual([
        400,
        'VALIDATION_FAILED',
      ]);
      const first = await buy(buyerToken, body, 'same-key');
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        id: expect.any(Number) as number,
        profileId: buyer.id,
        status: 'PENDING',
        total: 200,
        lines: [{ sku: 'p-skin', quantity: 2, unitPrice: 100 }],
        holdId: expect.any(Number) as number,
        expiresAt: expect.any(String) as string,
        transactionId: null,
        refundTransactionId: null,
        createdAt: expect.any(String) as string,
      });
      const replay = await buy(buyerToken, body, 'same-key');
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
      const conflict = await buy(
        buyerToken,
        { ...body, lines: [{ sku: 'p-skin', quantity: 1 }] },
        'same-key',
      );
      expect([conflict.status, conflict.body.code]).toEqual([
        409,
        'IDEMPOTENCY_CONFLICT',
      ]);
      expect(await wallet(buyer)).toMatchObject({ held: 200, available: 800 });
      expect((await item(skin.id)).stock).toBe(3);
      const cancelled = await http()
        .post(`/purchases/${first.body.id}/cancel`)
        .set(as(buyerToken));
      expect(cancelled.body).toMatchObject({ status: 'CANCELLED' });
      expect(await wallet(buyer)).toMatchObject({ held: 0, balance: 1000 });
      expect((await item(skin.id)).stock).toBe(5);
    });

    it.each([
      ['INSUFFICIENT_FUNDS', 'r-gold', { price: 5000 }, 1],
      ['OUT_OF_STOCK', 'r-rare', { price: 1, stock: 1 }, 2],
      ['ITEM_UNAVAILABLE', 'r-off', { price: 1, active: false }, 1],
      ['ITEM_UNAVAILABLE', null, null, 1],
      ['LIMIT_EXCEEDED', 'r-once', { price: 1, perProfileLimit: 1 }, 2],
    ] as const)(
      'refuses with 422 %s, holding nothing and taking no stock',
      async (code, sku, fields, quantity) => {
        const created =
          sku === null ? null : await addItem({ sku, name: sku, ...fields });
        const before = await wallet(buyer);
        const refused = await buy(buyerToken, {
          profileId: buyer.id,
          lines: [{ sku: sku ?? 'no-such-sku', quantity }],
        });
        expect([refused.status, refused.body.code]).toEqual([422, code]);
        expect(await wallet(buyer)).toEqual(before);
        if (created !== null) {
          expect((await item(created.id)).stock).toBe(created.stock);
        }
      },
    );

    it('refuses malformed purchases with 400 INVALID_SHOP_INPUT or VALIDATION_FAILED, writing nothing', async () => {
      const dear = await addItem({
        sku: 'm-dear',
        name: 'Dear',
        price: Number.MAX_SAFE_INTEGER,
      });
      await addItem({ sku: 'm-cheap', name: 'Cheap', price: 1, stock: 3 });
      const before = await wallet(buyer);
      const bodies: Record<string, unknown>[] = [
        { profileId: buyer.id, lines: [] },
        { profileId: buyer.id },
        { profileId: buyer.id, lines: [{ sku: 'm-cheap', quantity: 0 }] },
        { profileId: buyer.id, lines: [{ sku: 'm-cheap', quantity: 1.5 }] },
        { profileId: buyer.id, lines: [{ sku: 'm-cheap', quantity: '1' }] },
        { profileId: buyer.id, lines: [{ sku: 'bad sku!', quantity: 1 }] },
        {
          profileId: buyer.id,
          lines: [
            { sku: 'm-cheap', quantity: 1 },
            { sku: 'm-cheap', quantity: 1 },
          ],
        },
        {
          profileId: buyer.id,
          lines: [{ sku: 'm-cheap', quantity: 1 }],
          expiresInSeconds: 0,
        },
        {
          profileId: buyer.id,
          lines: [{ sku: 'm-cheap', quantity: 1 }],
          expiresInSeconds: 86_401,
        },
        { profileId: 'me', lines: [{ sku: 'm-cheap', quantity: 1 }] },
        { profileId: buyer.id, lines: [{ sku: dear.sku, quantity: 2 }] },
      ];
      for (const body of bodies) {
        const refused = await buy(service, body);
        expect(refused.status).toBe(400);
        expect(['INVALID_SHOP_INPUT', 'VALIDATION_FAILED']).toContain(
          refused.body.code,
        );
      }
      expect(await wallet(buyer)).toEqual(before);
      const cheap = (
        (await http().get('/shop/items').set(as(buyerToken))).body as {
          items: { sku: string; stock: number }[];
        }
      ).items.find((found) => found.sku === 'm-cheap');
      expect(cheap?.stock).toBe(3);
      for (const bad of [
        { sku: 'x-zero', name: 'Zero', price: 0 },
        { sku: 'x-float', name: 'Float', price: 1.5 },
        { sku: 'x-neg', name: 'Neg', price: 1, stock: -1 },
        { sku: 'x-lim', name: 'Lim', price: 1, perProfileLimit: 0 },
        { sku: '', name: 'Empty', price: 1 },
        { sku: 'x-noname', price: 1 },
      ]) {
        expect(
          (await http().post('/shop/items').set(as(admin)).send(bad)).status,
        ).toBe(400);
      }
      const patch = await http()
        .patch('/shop/items/abc')
        .set(as(admin))
        .send({ price: 2 });
      expect(patch.status).toBe(400);
    });

    it('counts pending and completed purchases against the per-profile limit', async () => {
      await addItem({
        sku: 'l-two',
        name: 'Two',
        price: 1,
        perProfileLimit: 2,
      });
      const line = {
        profileId: buyer.id,
        lines: [{ sku: 'l-two', quantity: 1 }],
      };
      const first = await buy(buyerToken, line);
      await http().post(`/purchases/${first.body.id}/confirm`).set(as(service));
      expect((await buy(buyerToken, line)).status).toBe(201);
      expect((await buy(buyerToken, line)).body.code).toBe('LIMIT_EXCEEDED');
    });

    it('confirms (a debit of the total), refunds (a credit back, stock returned), and repeats each as a no-op', async () => {
      const box = await addItem({
        sku: 'c-box',
        name: 'Box',
        price: 30,
        stock: 10,
      });
      const before = await wallet(buyer);
      const bought = await buy(buyerToken, {
        profileId: buyer.id,
        lines: [{ sku: 'c-box', quantity: 3 }],
      });
      const id = bought.body.id as number;
      expect(
        (await http().post(`/purchases/${id}/confirm`).set(as(buyerToken)))
          .status,
      ).toBe(403);
      const confirmed = await http()
        .post(`/purchases/${id}/confirm`)
        .set(as(service));
      expect(confirmed.status).toBe(200);
      expect(confirmed.body).toMatchObject({
        status: 'COMPLETED',
        transactionId: expect.any(Number) as number,
      });
      const again = await http()
        .post(`/purchases/${id}/confirm`)
        .set(as(admin));
      expect(again.body).toEqual(confirmed.body);
      expect(await wallet(buyer)).toMatchObject({
        balance: before.balance - 90,
        held: before.held,
      });
      const [debit] = (
        await http()
          .get(`/wallets/${buyer.id}/transactions?limit=1`)
          .set(as(service))
      ).body.items as { reason: string; amount: number; meta: object }[];
      expect(debit).toMatchObject({
        reason: 'PURCHASE',
        amount: -90,
        meta: { purchaseId: id },
      });
      const late = await http()
        .post(`/purchases/${id}/cancel`)
        .set(as(buyerToken));
      expect([late.status, late.body.code]).toEqual([409, 'PURCHASE_STATE']);
      expect(
        (await http().post(`/purchases/${id}/refund`).set(as(service))).status,
      ).toBe(403);
      const refunded = await http()
        .post(`/purchases/${id}/refund`)
        .set(as(admin));
      expect(refunded.body).toMatchObject({
        status: 'REFUNDED',
        refundTransactionId: expect.any(Number) as number,
      });
      expect(
        (await http().post(`/purchases/${id}/refund`).set(as(admin))).body,
      ).toEqual(refunded.body);
      expect(await wallet(buyer)).toMatchObject({ balance: before.balance });
      expect((await item(box.id)).stock).toBe(10);
      const confirmLate = await http()
        .post(`/purchases/${id}/confirm`)
        .set(as(service));
      expect([confirmLate.status, confirmLate.body.code]).toEqual([
        409,
        'PURCHASE_STATE',
      ]);
    });

    it("shows a purchase to its buyer and the platform only, and pages a profile's purchases newest first", async () => {
      await addItem({ sku: 'v-pen', name: 'Pen', price: 1 });
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(
          (
            await buy(buyerToken, {
              profileId: buyer.id,
              lines: [{ sku: 'v-pen', quantity: 1 }],
            })
          ).body.id as number,
        );
      }
      expect(
        (await http().get(`/purchases/${ids[0]}`).set(as(buyerToken))).body,
      ).toMatchObject({ id: ids[0], profileId: buyer.id });
      for (const call of [
        http().get(`/purchases/${ids[0]}`),
        http().post(`/purchases/${ids[0]}/cancel`),
        http().get(`/wallets/${buyer.id}/purchases`),
      ]) {
        expect((await call.set(as(otherToken))).status).toBe(403);
      }
      expect(
        (
          await buy(otherToken, {
            profileId: buyer.id,
            lines: [{ sku: 'v-pen', quantity: 1 }],
          })
        ).status,
      ).toBe(403);
      const first = await http()
        .get(`/wallets/${buyer.id}/purchases?limit=2`)
        .set(as(buyerToken));
      expect((first.body.items as { id: number }[]).map((p) => p.id)).toEqual([
        ids[2],
        ids[1],
      ]);
      const next = await http()
        .get(
          `/wallets/${buyer.id}/purchases?limit=2&cursor=${first.body.nextCursor}`,
        )
        .set(as(service));
      expect((next.body.items as { id: number }[])[0].id).toBe(ids[0]);
      expect(
        (await http().get('/purchases/987654').set(as(service))).status,
      ).toBe(404);
    });

    it('expires a purchase nobody confirmed: coins released and stock returned within seconds', async () => {
      const soon = await addItem({
        sku: 'e-soon',
        name: 'Soon',
        price: 7,
        stock: 4,
      });
      const before = await wallet(buyer);
      const bought = await buy(buyerToken, {
        profileId: buyer.id,
        lines: [{ sku: 'e-soon', quantity: 4 }],
        expiresInSeconds: 1,
      });
      expect(bought.status).toBe(201);
      let status = 'PENDING';
      for (
        let waited = 0;
        status === 'PENDING' && waited < 5000;
        waited += 250
      ) {
        await sleep(250);
        status = (
          await http().get(`/purchases/${bought.body.id}`).set(as(service))
        ).body.status as string;
      }
      expect(status).toBe('EXPIRED');
      expect(await wallet(buyer)).toEqual(before);
      expect((await item(soon.id)).stock).toBe(4);
      const late = await http()
        .post(`/purchases/${bought.body.id}/confirm`)
        .set(as(service));
      expect([late.status, late.body.code]).toEqual([409, 'PURCHASE_STATE']);
    });
  });
});
