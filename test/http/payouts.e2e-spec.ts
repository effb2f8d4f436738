import request from 'supertest';
import type { Profile } from '../../src/profiles';
import { createHttpTestApp, type HttpTestApp } from '../support/http-test-app';

describe('tournament payouts over HTTP', () => {
  let t: HttpTestApp;
  let players: Profile[];
  let admin: string;
  let service: string;

  const http = () => request(t.app.getHttpServer());
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await createHttpTestApp();
    players = [];
    for (let i = 0; i < 5; i++) {
      players.push(await t.createProfile());
    }
    admin = t.token(players[0].id, ['admin']);
    service = t.token(players[0].id, ['service']);
  });
  afterAll(() => t.close());

  it('runs from tournament creation to payouts, paying each prize once', async () => {
    const created = await http()
      .post('/tournaments')
      .set(as(admin))
      .send({
        name: 'Winter Cup',
        participationCoins: 10,
        prizes: { WINNER: 500, RUNNER_UP: 250, TOP4: 100 },
      });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(Number), status: 'OPEN' });
    const tournamentId = (created.body as { id: number }).id;
    expect(
      (
        await http()
          .post('/tournaments')
          .set(as(service))
          .send({
            name: 'x',
            participationCoins: 1,
            prizes: { WINNER: 1, RUNNER_UP: 1, TOP4: 1 },
          })
      ).status,
    ).toBe(403);

    const registrationIds: number[] = [];
    for (const [i, player] of players.entries()) {
      // The first player registers itself; a service registers the others.
      const token = i === 0 ? t.token(player.id, ['player']) : service;
      const registered = await http()
        .post(`/tournaments/${tournamentId}/registrations`)
        .set(as(token))
        .send({ profileId: player.id });
      expect(registered.status).toBe(201);
      expect(registered.body).toMatchObject({ status: 'PENDING' });
      registrationIds.push((registered.body as { id: number }).id);
    }
    expect(
      (
        await http()
          .post(`/tournaments/${tournamentId}/registrations`)
          .set(as(t.token(players[0].id, ['player'])))
          .send({ profileId: players[1].id })
      ).status,
    ).toBe(403);
    const twice = await http()
      .post(`/tournaments/${tournamentId}/registrations`)
      .set(as(service))
      .send({ profileId: players[1].id });
    expect([twice.status, twice.body.code]).toEqual([
      409,
      'ALREADY_REGISTERED',
    ]);

    const participations: unknown[] = [];
    for (const id of registrationIds.slice(0, 4)) {
      const verified = await http()
        .post(`/registrations/${id}/verify-payment`)
        .set(as(service));
      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({
        id,
        status: 'VERIFIED',
        participation: {
          registrationId: id,
          placement: 'PARTICIPATION',
          coins: 10,
        },
      });
      participations.push(verified.body.participation);
    }
    // Body-less POSTs may still declare a type, with an empty body.
    const again = await http()
      .post(`/registrations/${registrationIds[0]}/verify-payment`)
      .set(as(service))
      .set('Content-Type', 'application/json')
      .send('');
    expect(again.status).toBe(200);
    expect(again.body.participation).toEqual(participations[0]);

    const notYet = await http()
      .post(`/tournaments/${tournamentId}/payouts`)
      .set(as(service));
    expect([notYet.status, notYet.body.code]).toEqual([
      422,
      'TOURNAMENT_NOT_COMPLETED',
    ]);

    const invalid = [
      { WINNER: registrationIds[0], RUNNER_UP: registrationIds[4], TOP4: [] },
      { WINNER: registrationIds[0], RUNNER_UP: registrationIds[0], TOP4: [] },
      {
        WINNER: registrationIds[0],
        RUNNER_UP: registrationIds[1],
        TOP4: [registrationIds[2], registrationIds[3], registrationIds[1]],
      },
      { WINNER: 987654, RUNNER_UP: registrationIds[1], TOP4: [] },
    ];
    for (const body of invalid) {
      const refused = await http()
        .put(`/tournaments/${tournamentId}/placements`)
        .set(as(admin))
        .send(body);
      expect([refused.status, refused.body.code]).toEqual([
        400,
        'VALIDATION_FAILED',
      ]);
      expect(refused.headers['content-type']).toMatch(
        /^application\/problem\+json/,
      );
    }
    const placed = await http()
      .put(`/tournaments/${tournamentId}/placements`)
      .set(as(admin))
      .send({
        WINNER: registrationIds[0],
        RUNNER_UP: registrationIds[1],
        TOP4: [registrationIds[2], registrationIds[3]],
      });
    expect(placed.status).toBe(200);
    expect(placed.body).toEqual({ id: tournamentId, status: 'COMPLETED' });

    const paid = await http()
      .post(`/tournaments/${tournamentId}/payouts`)
      .set(as(service));
    expect(paid.status).toBe(200);
    expect(
      (paid.body as { placement: string; coins: number }[]).map((p) => [
        p.placement,
        p.coins,
      ]),
    ).toEqual([
      ['WINNER', 500],
      ['RUNNER_UP', 250],
      ['TOP4', 100],
      ['TOP4', 100],
    ]);
    const repeated = await http()
      .post(`/tournaments/${tournamentId}/payouts`)
      .set(as(admin))
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('');
    const listed = await http()
      .get(`/tournaments/${tournamentId}/payouts`)
      .set(as(service));
    expect(repeated.body).toEqual(paid.body);
    // Every prize the tournament paid, participation first (paid first).
    expect(listed.body).toEqual([...participations, ...paid.body]);
    expect(
      (
        await http()
          .get(`/tournaments/${tournamentId}/payouts`)
          .set(as(t.token(players[0].id, ['player'])))
      ).status,
    ).toBe(403);
    expect(
      (await http().get('/tournaments/987654/payouts').set(as(service))).status,
    ).toBe(404);

    const balances: number[] = [];
    for (const player of players) {
      const wallet = await http().get(`/wallets/${player.id}`).set(as(service));
      balances.push((wallet.body as { balance: number }).balance);
    }
    expect(balances).toEqual([510, 260, 110, 110, 0]);
  });
});
