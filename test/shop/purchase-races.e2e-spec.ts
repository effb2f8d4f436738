// Purchases under a crowd, over real HTTP on a real port: stock is never
// oversold, a refused buyer has nothing held, and a confirm racing a cancel
// leaves exactly one of them done with the coins where it says.
import request from 'supertest';
import { LedgerService } from '../../src/economy';
import type { Profile } from '../../src/profiles';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';

describe('purchases under concurrency', () => {
  let t: HttpTestApp;
  let url: string;
  let admin: string;
  let service: string;

  const http = () => request(url);
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const fund = (profile: Profile, amount: number) =>
    http()
      .post(`/wallets/${profile.id}/credit`)
      .set(as(service))
      .send({ amount, reason: 'WINNER' })
      .expect(201);
  const wallet = async (profile: Profile) =>
    (await http().get(`/wallets/${profile.id}`).set(as(service))).body as {
      balance: number;
      held: number;
      available: number;
    };
  const stockOf = async (sku: string) =>
    (
      (await http().get('/shop/items').set(as(admin))).body as {
        items: { sku: string; stock: number | null }[];
      }
    ).items.find((item) => item.sku === sku)!.stock;
  const expectLedgerSound = async () => {
    const report = await t.app.get(LedgerService).verifyInvariants();
    expect(report.violations).toEqual([]);
  };

  beforeAll(async () => {
    t = await createHttpTestApp();
    await t.app.listen(0, '127.0.0.1');
    url = await t.app.getUrl();
    const operator = await t.createProfile();
    admin = t.token(operator.id, ['admin']);
    service = t.token(operator.id, ['service']);
  });
  afterAll(() => t.close());

  it('sells an item with stock 50 to exactly 50 of 200 concurrent buyers', async () => {
    await http()
      .post('/shop/items')
      .set(as(admin))
      .send({ sku: 'crowd-skin', name: 'Crowd skin', price: 10, stock: 50 })
      .expect(201);
    const buyers: Profile[] = [];
    for (let i = 0; i < 200; i++) {
      const buyer = await t.createProfile();
      await fund(buyer, 100);
      buyers.push(buyer);
    }
    const responses = await Promise.all(
      buyers.map((buyer) =>
        http()
          .post('/purchases')
          .set(as(t.token(buyer.id, ['player'])))
          .set('Idempotency-Key', `crowd-${buyer.id}`)
          .send({
            profileId: buyer.id,
            lines: [{ sku: 'crowd-skin', quantity: 1 }],
          }),
      ),
    );
    const sold = responses.filter((response) => response.status === 201);
    const refused = responses.filter((response) => response.status !== 201);
    expect(sold).toHaveLength(50);
    expect(
      refused.map((response): [number, string] => [
        response.status,
        (response.body as { code: string }).code,
      ]),
    ).toEqual(Array(150).fill([422, 'OUT_OF_STOCK']));
    expect(await stockOf('crowd-skin')).toBe(0);
    const buyerOf = new Set(
      sold.map((response) => response.body.profileId as number),
    );
    expect(buyerOf.size).toBe(50);
    for (const buyer of buyers) {
      const held = buyerOf.has(buyer.id) ? 10 : 0;
      expect(await wallet(buyer)).toEqual(
        expect.objectContaining({ balance: 100, held, available: 100 - held }),
      );
    }
    const [{ purchases, holds }]: { purchases: string; holds: string }[] =
      await t.dataSource.query(
        `SELECT (SELECT count(*) FROM purchases p JOIN purchase_lines l ON l.purchase_id = p.id
                  JOIN shop_items i ON i.id = l.item_id WHERE i.sku = 'crowd-skin') AS purchases,
                (SELECT count(*) FROM holds WHERE wallet_id IN
                  (SELECT id FROM wallets WHERE profile_id = ANY($1))) AS holds`,
        [buyers.map((buyer) => buyer.id)],
      );
    expect([Number(purchases), Number(holds)]).toEqual([50, 50]);
    await expectLedgerSound();
  });

  it('gives a confirm racing a cancel on the same purchase exactly one winner, balances exact', async () => {
    await http()
      .post('/shop/items')
      .set(as(admin))
      .send({ sku: 'race-box', name: 'Race box', price: 7, stock: 100 })
      .expect(201);
    const buyer = await t.createProfile();
    await fund(buyer, 1000);
    const owner = t.token(buyer.id, ['player']);
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      const bought = await http()
        .post('/purchases')
        .set(as(owner))
        .set('Idempotency-Key', `race-${i}`)
        .send({
          profileId: buyer.id,
          lines: [{ sku: 'race-box', quantity: 2 }],
        })
        .expect(201);
      ids.push(bought.body.id as number);
    }
    const outcomes = await Promise.all(
      ids.map(async (id) => {
        const [confirm, cancel] = await Promise.all([
          http().post(`/purchases/${id}/confirm`).set(as(service)),
          http().post(`/purchases/${id}/cancel`).set(as(owner)),
        ]);
        return { id, confirm, cancel };
      }),
    );
    let completed = 0;
    for (const { id, confirm, cancel } of outcomes) {
      const statuses = [confirm.status, cancel.status].sort();
      expect(statuses).toEqual([200, 409]);
      const loser = confirm.status === 409 ? confirm : cancel;
      expect(loser.body.code).toBe('PURCHASE_STATE');
      const final = (await http().get(`/purchases/${id}`).set(as(service)))
        .body as {
        status: string;
      };
      expect(final.status).toBe(
        confirm.status === 200 ? 'COMPLETED' : 'CANCELLED',
      );
      if (final.status === 'COMPLETED') completed += 1;
    }
    expect(await wallet(buyer)).toEqual(
      expect.objectContaining({ balance: 1000 - 14 * completed, held: 0 }),
    );
    expect(await stockOf('race-box')).toBe(100 - 2 * completed);
    const [{ debits }]: { debits: string }[] = await t.dataSource.query(
      `SELECT count(*) AS debits FROM wallet_transactions t JOIN wallets w ON w.id = t.wallet_id
        WHERE w.profile_id = $1 AND t.reason = 'PURCHASE'`,
      [buyer.id],
    );
    expect(Number(debits)).toBe(completed);
    await expectLedgerSound();
  });
});
