import { transientRetriesTotal } from '../../src/metrics/metrics';
import { SqlDatabase } from '../../src/database/sql-database';
import {
  InvalidAmount,
  InvalidRequest,
} from '../../src/economy/economy.errors';
import { PayoutErrorCode } from '../../src/payout/payout.errors';
import { ParticipationBackfill } from '../../src/payout/participation-backfill';
import { PayoutModule } from '../../src/payout/payout.module';
import { PayoutService } from '../../src/payout/payout.service';
import { TournamentsService } from '../../src/payout/tournaments.service';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';
import {
  idempotencyKeyCount,
  ledgerRowCount,
  prizeCount,
} from '../support/ledger-queries';
import {
  placedTournament,
  tournamentWithPlayers,
  verifyWithoutPayout,
} from '../support/payout-fixtures';
import { handWalletTo } from '../support/wallet-tampering';

describe('PayoutService', () => {
  let ctx: EconomyTestContext;
  let payouts: PayoutService;
  let tournaments: TournamentsService;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({ modules: [PayoutModule] });
    payouts = ctx.get(PayoutService);
    tournaments = ctx.get(TournamentsService);
  });
  afterAll(() => ctx.close());

  /** The prizes an award stands for, whether it paid them now or before. */
  const participationPrize = async (registration: { id: number } | number) =>
    (await payouts.awardParticipation(registration)).prizes;
  const placementPrizes = async (tournament: { id: number } | number) =>
    (await payouts.awardPlacements(tournament)).prizes;

  // A prize recorded behind PayoutService's back, as direct SQL would.
  const recordPrizeBySql = (
    tournamentId: number,
    registrationId: number,
    placement: string,
    coins: number,
    walletTransactionId: number,
  ) =>
    ctx.dataSource.query(
      `INSERT INTO prize_transactions
         (tournament_id, registration_id, placement, coins, wallet_transaction_id)
       VALUES ($1, $2, $3, $4, $5)`,
      [tournamentId, registrationId, placement, coins, walletTransactionId],
    );

  const keysOf = async (walletId: number): Promise<string[]> => {
    const rows = await ctx.dataSource.query<{ idempotency_key: string }[]>(
      'SELECT idempotency_key FROM wallet_transactions WHERE wallet_id = $1 ORDER BY id',
      [walletId],
    );
    return rows.map((row) => row.idempotency_key);
  };

  describe('participation', () => {
    it('pays a verified registration once, under its deterministic key, and records it', async () => {
      const { tournament, profiles, registrations } =
        await tournamentWithPlayers(ctx, {
          players: 1,
          participationCoins: 25,
        });
      const verified = await tournaments.verifyPayment(registrations[0].id);
      expect(verified.registration.status).toBe('VERIFIED');
      expect(verified.participation).toMatchObject({
        tournamentId: tournament.id,
        registrationId: registrations[0].id,
        placement: 'PARTICIPATION',
        coins: 25,
      });
      const again = await participationPrize(registrations[0].id);
      const verifiedAgain = await tournaments.verifyPayment(
        registrations[0].id,
      );
      expect(again).toEqual(verified.participation);
      expect(verifiedAgain.participation).toEqual(verified.participation);
      expect(await ctx.wallets.getBalance(profiles[0])).toBe(25);
      const walletId = await ctx.wallets.ensureWallet(profiles[0]);
      expect(await keysOf(walletId)).toEqual([
        `participation:reg:${registrations[0].id}:w:${walletId}`,
      ]);
      const [entry] = await ctx.wallets.getTransactionHistory(profiles[0]);
      expect(entry).toMatchObject({
        id: verified.participation!.walletTransactionId,
        reason: 'PARTICIPATION',
        meta: {
          tournamentId: tournament.id,
          registrationId: registrations[0].id,
        },
      });
    });

    it("refuses, even from direct SQL, a prize naming a tournament other than its registration's", async () => {
      const main = await tournamentWithPlayers(ctx, { players: 1 });
      const other = await tournamentWithPlayers(ctx, { players: 1 });
      const { transactionId } = await ctx.wallets.credit(main.profiles[0], 5, {
        reason: 'WINNER',
      });
      const insertPrize = (tournamentId: number) =>
        recordPrizeBySql(
          tournamentId,
          main.registrations[0].id,
          'WINNER',
          5,
          transactionId,
        );
      await expect(insertPrize(other.tournament.id)).rejects.toThrow(
        /prize_transactions_registration_fkey/,
      );
      await expect(insertPrize(main.tournament.id)).resolves.toBeDefined();
    });

    it('fails, paying nothing, when a new payout finds its prize already recorded', async () => {
      // Only a record written outside PayoutService can get here: a new key
      // with a prize already there would be a second payment.
      const { tournament, profiles, registrations } =
        await tournamentWithPlayers(ctx, {
          players: 1,
          participationCoins: 30,
        });
      await verifyWithoutPayout(ctx, [registrations[0].id]);
      const { transactionId, walletId } = await ctx.wallets.credit(
        profiles[0],
        30,
        { reason: 'PARTICIPATION' },
      );
      await recordPrizeBySql(
        tournament.id,
        registrations[0].id,
        'PARTICIPATION',
        30,
        transactionId,
      );
      const keysBefore = await idempotencyKeyCount(ctx.dataSource);
      await expect(
        participationPrize(registrations[0].id),
      ).rejects.toMatchObject({
        code: PayoutErrorCode.PrizeAlreadyRecorded,
      });
      expect(await ctx.wallets.getBalance(profiles[0])).toBe(30);
      expect(await ledgerRowCount(ctx.dataSource, [walletId])).toBe(1);
      // Nothing of the payout remains, not even its key.
      expect(await idempotencyKeyCount(ctx.dataSource)).toBe(keysBefore);
    });

    it('refuses an unverified registration and pays nothing without participation coins', async () => {
      const pending = await tournamentWithPlayers(ctx, { players: 1 });
      await expect(
        participationPrize(pending.registrations[0]),
      ).rejects.toMatchObject({
        code: PayoutErrorCode.RegistrationNotVerified,
      });
      await expect(participationPrize(987654)).rejects.toMatchObject({
        code: PayoutErrorCode.RegistrationNotFound,
      });
      const unpaid = await tournamentWithPlayers(ctx, {
        players: 1,
        participationCoins: 0,
      });
      const result = await tournaments.verifyPayment(
        unpaid.registrations[0].id,
      );
      expect(result.participation).toBeNull();
      expect(await ctx.wallets.getBalance(unpaid.profiles[0])).toBe(0);
    });

    it('pays once under 10 concurrent calls, every caller getting the same record', async () => {
      const { profiles, registrations } = await tournamentWithPlayers(ctx, {
        players: 1,
        participationCoins: 40,
      });
      await verifyWithoutPayout(ctx, [registrations[0].id]);
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          participationPrize(registrations[0].id),
        ),
      );
      expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
      expect(await ctx.wallets.getBalance(profiles[0])).toBe(40);
      const walletId = await ctx.wallets.ensureWallet(profiles[0]);
      expect(await ledgerRowCount(ctx.dataSource, [walletId])).toBe(1);
    });
  });

  describe('placements', () => {
    it('rejects invalid placements and writes nothing', async () => {
      const main = await tournamentWithPlayers(ctx, { players: 6 });
      const other = await tournamentWithPlayers(ctx, { players: 1 });
      const ids = main.registrations.map((r) => r.id);
      await verifyWithoutPayout(ctx, [
        ...ids.slice(0, 5),
        other.registrations[0].id,
      ]);
      await ctx.dataSource.query(
        "UPDATE registrations SET status = 'CANCELLED', payment_verified_at = NULL WHERE id = $1",
        [ids[4]],
      );
      const cases = [
        { WINNER: other.registrations[0].id, RUNNER_UP: ids[1], TOP4: [] },
        { WINNER: ids[5], RUNNER_UP: ids[1], TOP4: [] },
        { WINNER: ids[4], RUNNER_UP: ids[1], TOP4: [] },
        { WINNER: ids[0], RUNNER_UP: ids[0], TOP4: [] },
        { WINNER: ids[0], RUNNER_UP: ids[1], TOP4: [ids[1]] },
        {
          WINNER: ids[0],
          RUNNER_UP: ids[1],
          TOP4: [ids[2], ids[3], ids[3] + 1000],
        },
        { WINNER: 987654, RUNNER_UP: ids[1], TOP4: [] },
      ];
      for (const placements of cases) {
        await expect(
          tournaments.setPlacements(main.tournament.id, placements),
        ).rejects.toMatchObject({ code: PayoutErrorCode.InvalidPlacements });
      }
      const placed: unknown[] = await ctx.dataSource.query(
        'SELECT 1 FROM registrations WHERE tournament_id = $1 AND placement IS NOT NULL',
        [main.tournament.id],
      );
      expect(placed).toEqual([]);
      await expect(placementPrizes(main.tournament)).rejects.toMatchObject({
        code: PayoutErrorCode.TournamentNotCompleted,
      });
    });

    it("refuses, even from direct SQL, to move a registration or a completed tournament's placements", async () => {
      const { tournament, registrations } = await tournamentWithPlayers(ctx, {
        players: 3,
        prizes: { WINNER: 500, RUNNER_UP: 250, TOP4: 100 },
      });
      const other = await tournamentWithPlayers(ctx, { players: 1 });
      const ids = registrations.map((r) => r.id);
      await verifyWithoutPayout(ctx, ids);
      const update = (set: string, values: unknown[]) =>
        ctx.dataSource.query(
          `UPDATE registrations SET ${set} WHERE id = $1`,
          values,
        );
      await expect(
        update('profile_id = $2', [ids[0], other.profiles[0].id]),
      ).rejects.toThrow(/not allowed/);
      await expect(
        update('tournament_id = $2', [ids[0], other.tournament.id]),
      ).rejects.toThrow(/not allowed/);
      await tournaments.setPlacements(tournament.id, {
        WINNER: ids[0],
        RUNNER_UP: ids[1],
        TOP4: [],
      });
      await expect(update("placement = 'RUNNER_UP'", [ids[0]])).rejects.toThrow(
        /placements are final/,
      );
      await expect(update("placement = 'TOP4'", [ids[2]])).rejects.toThrow(
        /placements are final/,
      );
    });

    it('pays WINNER, RUNNER_UP and TOP4 once, under their keys, the same list on every call', async () => {
      const { tournament, profiles, ids } = await placedTournament(ctx, {
        players: 5,
        top4: 2,
        prizes: { WINNER: 500, RUNNER_UP: 250, TOP4: 100 },
      });
      const concurrent = await Promise.all(
        Array.from({ length: 10 }, () => placementPrizes(tournament.id)),
      );
      const first = concurrent[0];
      expect(new Set(concurrent.map((list) => JSON.stringify(list))).size).toBe(
        1,
      );
      expect(
        first.map((p) => [p.registrationId, p.placement, p.coins]),
      ).toEqual([
        [ids[0], 'WINNER', 500],
        [ids[1], 'RUNNER_UP', 250],
        [ids[2], 'TOP4', 100],
        [ids[3], 'TOP4', 100],
      ]);
      expect(await placementPrizes(tournament)).toEqual(first);
      const balances = [];
      for (const profile of profiles) {
        balances.push(await ctx.wallets.getBalance(profile));
      }
      expect(balances).toEqual([500, 250, 100, 100, 0]);
      const walletId = await ctx.wallets.ensureWallet(profiles[0]);
      expect(await keysOf(walletId)).toEqual([
        `WINNER:t:${tournament.id}:w:${walletId}`,
      ]);
      const runnerUpWallet = await ctx.wallets.ensureWallet(profiles[1]);
      expect(await keysOf(runnerUpWallet)).toEqual([
        `RUNNER_UP:t:${tournament.id}:w:${runnerUpWallet}`,
      ]);
      const top4Wallet = await ctx.wallets.ensureWallet(profiles[2]);
      expect(await keysOf(top4Wallet)).toEqual([
        `TOP4:t:${tournament.id}:w:${top4Wallet}`,
      ]);
    });

    it('pays all placements or none', async () => {
      const { tournament, profiles } = await placedTournament(ctx, {
        players: 2,
        prizes: { WINNER: 500, RUNNER_UP: 250, TOP4: 0 },
      });
      // The runner-up's wallet is so full that its prize would overflow it.
      await ctx.wallets.credit(profiles[1], Number.MAX_SAFE_INTEGER - 100, {
        reason: 'MANUAL_ADJUST',
      });
      await expect(placementPrizes(tournament.id)).rejects.toBeInstanceOf(
        InvalidAmount,
      );
      expect(await ctx.wallets.getBalance(profiles[0])).toBe(0);
      expect(await payouts.prizesOf(tournament.id)).toEqual([]);
      expect((await ctx.ledger.verifyInvariants()).ok).toBe(true);
    });
  });

  describe('payout terms', () => {
    // Direct SQL, as another module or an operator could run it.
    const sql = (text: string, values: unknown[]) =>
      ctx.dataSource.query(text, values);

    it('keeps prize coins as created, and a completed tournament completed, so re-runs pay nothing new', async () => {
      const { tournament, profiles } = await placedTournament(ctx, {
        players: 3,
        prizes: { WINNER: 500, RUNNER_UP: 250, TOP4: 0 },
      });
      const paid = await placementPrizes(tournament.id);
      for (const set of [
        'participation_coins = 20',
        'winner_coins = 600',
        'runner_up_coins = 0',
        'top4_coins = 100',
      ]) {
        await expect(
          sql(`UPDATE tournaments SET ${set} WHERE id = $1`, [tournament.id]),
        ).rejects.toThrow(/prize coins are fixed/);
      }
      // Reopened, its placements could move and a second WINNER be paid.
      for (const status of ['OPEN', 'DRAFT']) {
        await expect(
          sql('UPDATE tournaments SET status = $2 WHERE id = $1', [
            tournament.id,
            status,
          ]),
        ).rejects.toThrow(/completed, and stays so/);
      }
      expect(await placementPrizes(tournament.id)).toEqual(paid);
      expect(await ctx.wallets.getBalance(profiles[2])).toBe(0);
    });

    it('refuses a registration placed on arrival in a completed tournament', async () => {
      const { tournament } = await placedTournament(ctx, {
        players: 2,
        prizes: { WINNER: 500, RUNNER_UP: 250, TOP4: 100 },
      });
      const paid = await placementPrizes(tournament.id);
      const [late] = await ctx.createProfiles(1);
      await expect(
        sql(
          `INSERT INTO registrations (tournament_id, profile_id, status, payment_verified_at, placement)
           VALUES ($1, $2, 'VERIFIED', now(), 'TOP4')`,
          [tournament.id, late.id],
        ),
      ).rejects.toThrow(/placements are final/);
      expect(await placementPrizes(tournament.id)).toEqual(paid);
      expect(await ctx.wallets.getBalance(late)).toBe(0);
    });

    it('lands no registration in a tournament that completes while it arrives', async () => {
      const { tournament } = await tournamentWithPlayers(ctx, { players: 1 });
      const [late] = await ctx.createProfiles(1);
      const completing = ctx.dataSource.createQueryRunner();
      await completing.connect();
      await completing.startTransaction();
      try {
        // As setPlacements holds it, before it commits COMPLETED.
        await completing.query(
          'SELECT 1 FROM tournaments WHERE id = $1 FOR UPDATE',
          [tournament.id],
        );
        await completing.query(
          "UPDATE tournaments SET status = 'COMPLETED' WHERE id = $1",
          [tournament.id],
        );
        const registering = tournaments.register(tournament.id, late.id);
        const settled = registering.then(
          () => 'registered',
          (error: { code?: string }) => error.code,
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        await completing.commitTransaction();
        expect(await settled).toBe(PayoutErrorCode.TournamentClosed);
      } finally {
        await completing.release();
      }
      const landed = await sql(
        'SELECT 1 FROM registrations WHERE tournament_id = $1 AND profile_id = $2',
        [tournament.id, late.id],
      );
      expect(landed).toEqual([]);
    });

    it('pays no registration cancelled before its payout commits, and says so', async () => {
      // (A placed registration cannot be cancelled: registrations_placement_check.)
      const { profiles, registrations } = await tournamentWithPlayers(ctx, {
        players: 1,
        participationCoins: 10,
      });
      const [id] = registrations.map((r) => r.id);
      await verifyWithoutPayout(ctx, [id]);
      // Cancelled after the award checked the status, before it paid.
      const ensureWallet = ctx.wallets.ensureWallet.bind(ctx.wallets);
      const spy = jest
        .spyOn(ctx.wallets, 'ensureWallet')
        .mockImplementationOnce(async (profile) => {
          await sql(
            `UPDATE registrations SET status = 'CANCELLED', payment_verified_at = NULL
              WHERE id = $1`,
            [id],
          );
          return ensureWallet(profile);
        });
      const ledgerRows = async () =>
        Number(
          (
            await sql('SELECT count(*) AS count FROM wallet_transactions', [])
          )[0].count,
        );
      const ledgerBefore = await ledgerRows();
      try {
        await expect(participationPrize(id)).rejects.toMatchObject({
          code: PayoutErrorCode.RegistrationNotVerified,
        });
      } finally {
        spy.mockRestore();
      }
      expect(await ledgerRows()).toBe(ledgerBefore);
      expect(await ctx.wallets.getBalance(profiles[0])).toBe(0);
    });

    it('completes a tournament while a payout holds its registrations, without a deadlock', async () => {
      const { tournament, registrations } = await tournamentWithPlayers(ctx, {
        players: 2,
      });
      const [low, high] = registrations.map((r) => r.id);
      await verifyWithoutPayout(ctx, [low, high]);
      const deadlocks = async () =>
        Number(
          (
            await sql(
              'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
              [],
            )
          )[0].deadlocks,
        );
      // A deadlock's loser here is the placements' statement, which the
      // transient retry sends again: counted in this process at once, where
      // the server reports its deadlock count lazily.
      const retries = async () =>
        (await transientRetriesTotal.get()).values[0]?.value ?? 0;
      const before = await deadlocks();
      const retriedBefore = await retries();
      // A payout recording prizes holds their registrations FOR SHARE, taken
      // in ascending id order.
      const payout = ctx.dataSource.createQueryRunner();
      await payout.connect();
      try {
        await payout.startTransaction();
        const hold = (id: number) =>
          payout.query('SELECT 1 FROM registrations WHERE id = $1 FOR SHARE', [
            id,
          ]);
        await hold(low);
        // WINNER first, with the higher id: changed in that order, the
        // placements would hold `high` while waiting for `low`.
        const placing = tournaments.setPlacements(tournament.id, {
          WINNER: high,
          RUNNER_UP: low,
          TOP4: [],
        });
        for (let waiting = 0; waiting === 0;) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          waiting = (
            await sql(
              `SELECT 1 FROM pg_stat_activity
                WHERE wait_event_type = 'Lock' AND datname = current_database()`,
              [],
            )
          ).length;
        }
        await hold(high);
        await payout.commitTransaction();
        expect((await placing).status).toBe('COMPLETED');
      } finally {
        await payout.release();
      }
      expect(await deadlocks()).toBe(before);
      expect(await retries()).toBe(retriedBefore);
    });

    it('says which call paid: one of 10 concurrent awards, none on a re-run', async () => {
      const { tournament, registrations } = await tournamentWithPlayers(ctx, {
        players: 2,
        participationCoins: 10,
        prizes: { WINNER: 500, RUNNER_UP: 250, TOP4: 100 },
      });
      const ids = registrations.map((r) => r.id);
      await verifyWithoutPayout(ctx, ids);
      const participation = await Promise.all(
        Array.from({ length: 10 }, () => payouts.awardParticipation(ids[0])),
      );
      expect(participation.map((award) => award.paidNow).sort()).toEqual([
        0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
      ]);
      expect(new Set(participation.map((a) => a.prizes?.id)).size).toBe(1);
      await tournaments.setPlacements(tournament.id, {
        WINNER: ids[0],
        RUNNER_UP: ids[1],
        TOP4: [],
      });
      const placements = await Promise.all(
        Array.from({ length: 10 }, () =>
          payouts.awardPlacements(tournament.id),
        ),
      );
      expect(placements.map((award) => award.paidNow).sort()).toEqual([
        0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
      ]);
      expect((await payouts.awardPlacements(tournament.id)).paidNow).toBe(0);
    });
  });

  describe('backfill', () => {
    const participationPrizes = () =>
      prizeCount(ctx.dataSource, { placement: 'PARTICIPATION' });

    it('pays each registration once under concurrent backfills and verifications, a wallet twice in a batch', async () => {
      const first = await tournamentWithPlayers(ctx, {
        players: 6,
        participationCoins: 3,
      });
      const second = await tournamentWithPlayers(ctx, {
        players: 0,
        participationCoins: 5,
      });
      const repeatRegistrations = [];
      for (const profile of first.profiles) {
        repeatRegistrations.push(
          await tournaments.register(second.tournament.id, profile.id),
        );
      }
      const all = [...first.registrations, ...repeatRegistrations];
      // The second tournament's registrations interleave with the first's in
      // id order only partly; small batches put both of a player's in one.
      await verifyWithoutPayout(
        ctx,
        all.map((r) => r.id),
      );
      const paidBefore = await participationPrizes();
      const outcomes = await Promise.allSettled([
        payouts.backfillParticipationForVerifiedPayments({ batchSize: 7 }),
        payouts.backfillParticipationForVerifiedPayments({ batchSize: 12 }),
        payouts.backfillParticipationForVerifiedPayments({ batchSize: 5 }),
        ...all.slice(0, 4).map((r) => participationPrize(r.id)),
      ]);
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      const backfills = outcomes
        .slice(0, 3)
        .map(
          (o) =>
            (o as PromiseFulfilledResult<{ awarded: number }>).value.awarded,
        );
      expect(
        await prizeCount(ctx.dataSource, {
          registrationIds: all.map((r) => r.id),
        }),
      ).toBe(12);
      // Backfills count only what they paid themselves: with the four direct
      // awards, every new prize is counted once.
      const newPrizes = (await participationPrizes()) - paidBefore;
      const awarded = backfills.reduce((a, b) => a + b, 0);
      expect(awarded).toBeLessThanOrEqual(newPrizes);
      expect(awarded).toBeGreaterThanOrEqual(newPrizes - 4);
      for (const profile of first.profiles) {
        expect(await ctx.wallets.getBalance(profile)).toBe(8);
        const history = await ctx.wallets.getTransactionHistory(profile);
        expect(history.map((entry) => entry.reason)).toEqual([
          'PARTICIPATION',
          'PARTICIPATION',
        ]);
      }
      expect(await ctx.ledger.verifyInvariants()).toMatchObject({ ok: true });
    });

    it.each([0, -1, 1.5, 10_001])(
      'refuses a batch size of %p before reading anything',
      async (batchSize) => {
        await expect(
          payouts.backfillParticipationForVerifiedPayments({ batchSize }),
        ).rejects.toBeInstanceOf(InvalidRequest);
      },
    );

    it('pays every verified registration without a payout, once, and counts what it did', async () => {
      const paid = await tournamentWithPlayers(ctx, {
        players: 3,
        participationCoins: 7,
      });
      const free = await tournamentWithPlayers(ctx, {
        players: 2,
        participationCoins: 0,
      });
      await verifyWithoutPayout(ctx, [
        ...paid.registrations.map((r) => r.id),
        ...free.registrations.map((r) => r.id),
      ]);
      await participationPrize(paid.registrations[0].id);
      const pending = await tournamentWithPlayers(ctx, {
        players: 1,
        participationCoins: 7,
      });

      const before = await payouts.backfillParticipationForVerifiedPayments({
        dryRun: true,
      });
      expect(before.awarded).toBeGreaterThanOrEqual(2);
      expect(await ctx.wallets.getBalance(paid.profiles[1])).toBe(0);

      const run = await payouts.backfillParticipationForVerifiedPayments({
        batchSize: 2,
      });
      expect(run).toEqual(before);
      for (const profile of paid.profiles) {
        expect(await ctx.wallets.getBalance(profile)).toBe(7);
      }
      expect(await ctx.wallets.getBalance(pending.profiles[0])).toBe(0);
      const again = await payouts.backfillParticipationForVerifiedPayments({
        batchSize: 2,
      });
      expect(again).toEqual({
        checked: run.checked,
        awarded: 0,
        skipped: run.checked,
        failed: 0,
        refused: [],
      });
      expect(run.awarded + run.skipped).toBe(run.checked);
      expect((await ctx.ledger.verifyInvariants()).ok).toBe(true);
    });

    it('reads past a long paid history in growing pages, and pays a page with many due in batches, each once', async () => {
      // Batches of 3: while nothing is due, pages of 3, 6, then 12 (the
      // cap), starting at 0, 3, 9, 21, 33… verified registrations. The paid
      // history is padded so that the new ones start a page of 12.
      await payouts.backfillParticipationForVerifiedPayments();
      const verified = async () =>
        Number(
          (
            await ctx.dataSource.query<{ count: string }[]>(
              "SELECT count(*) FROM registrations WHERE status = 'VERIFIED'",
            )
          )[0].count,
        );
      const before = await verified();
      let pageStart = 21;
      while (pageStart < before + 1) {
        pageStart += 12;
      }
      const paid = await tournamentWithPlayers(ctx, {
        players: pageStart - before,
        participationCoins: 4,
      });
      await verifyWithoutPayout(
        ctx,
        paid.registrations.map((r) => r.id),
      );
      await payouts.backfillParticipationForVerifiedPayments();
      expect(await verified()).toBe(pageStart);
      const due = await tournamentWithPlayers(ctx, {
        players: 9,
        participationCoins: 4,
      });
      await verifyWithoutPayout(
        ctx,
        due.registrations.map((r) => r.id),
      );
      // The batches the backfill pays, by size.
      const batches: number[] = [];
      type PayBatch = (due: unknown[]) => Promise<unknown>;
      const withBatches = ctx.get(ParticipationBackfill) as unknown as {
        payBatch: PayBatch;
      };
      const payBatch = withBatches.payBatch;
      const spy = jest
        .spyOn(withBatches, 'payBatch')
        .mockImplementation(function (this: unknown, due) {
          batches.push(due.length);
          return payBatch.call(this, due);
        });
      // And the pages it reads.
      const database = ctx.get(SqlDatabase);
      const runStatement = database.run.bind(database);
      let pages = 0;
      const pageSpy = jest
        .spyOn(database, 'run')
        .mockImplementation((statement, values) => {
          pages += statement.name === 'payout_due_page' ? 1 : 0;
          return runStatement(statement, values);
        });
      const run = await payouts
        .backfillParticipationForVerifiedPayments({ batchSize: 3 })
        .finally(() => {
          spy.mockRestore();
          pageSpy.mockRestore();
        });
      expect(batches).toEqual([3, 3, 3]);
      // Pages at 0, 3, 9, 21, … pageStart, and the empty one after.
      expect(pages).toBe(3 + (pageStart - 21) / 12 + 1 + 1);
      expect(run).toMatchObject({
        checked: pageStart + 9,
        awarded: 9,
        skipped: pageStart,
        failed: 0,
        refused: [],
      });
      for (const profile of due.profiles) {
        expect(await ctx.wallets.getBalance(profile)).toBe(4);
      }
      const again = await payouts.backfillParticipationForVerifiedPayments({
        batchSize: 3,
      });
      expect(again).toMatchObject({ awarded: 0, skipped: pageStart + 9 });
    });

    it('pays under the right key after the holder’s wallet went to another profile, and a re-run finds the prize', async () => {
      const { profiles, registrations } = await tournamentWithPlayers(ctx, {
        players: 1,
        participationCoins: 10,
      });
      const [holder] = profiles;
      const [other] = await ctx.createProfiles(1);
      const { walletId: staleId } = await ctx.wallets.credit(holder, 1, {
        reason: 'WINNER',
      });
      // A restored database hands the holder's wallet to another profile
      // (see restored-wallets.int-spec.ts).
      await handWalletTo(ctx.database, staleId, other.id);
      await verifyWithoutPayout(ctx, [registrations[0].id]);
      const run = await payouts.backfillParticipationForVerifiedPayments();
      expect(run).toMatchObject({ failed: 0, refused: [] });
      const holderWallet = await ctx.wallets.ensureWallet(holder);
      expect(holderWallet).not.toBe(staleId);
      expect(await keysOf(holderWallet)).toEqual([
        `participation:reg:${registrations[0].id}:w:${holderWallet}`,
      ]);
      expect(await participationPrize(registrations[0].id)).toMatchObject({
        registrationId: registrations[0].id,
        coins: 10,
      });
      expect(await ctx.wallets.getBalance(holder)).toBe(10);
      expect(await ctx.wallets.getBalance(other)).toBe(1);
    });

    it('skips a registration cancelled while its batch was on the way, and pays the rest of the batch', async () => {
      const { profiles, registrations } = await tournamentWithPlayers(ctx, {
        players: 3,
        participationCoins: 10,
      });
      const ids = registrations.map((r) => r.id);
      await verifyWithoutPayout(ctx, ids);
      const ensureWallets = ctx.wallets.ensureWallets.bind(ctx.wallets);
      const spy = jest
        .spyOn(ctx.wallets, 'ensureWallets')
        .mockImplementationOnce(async (batch) => {
          await ctx.dataSource.query(
            `UPDATE registrations SET status = 'CANCELLED', payment_verified_at = NULL
              WHERE id = $1`,
            [ids[1]],
          );
          return ensureWallets(batch);
        });
      try {
        const run = await payouts.backfillParticipationForVerifiedPayments();
        expect(run).toMatchObject({ awarded: 2, failed: 0, refused: [] });
        expect(run.awarded + run.skipped + run.failed).toBe(run.checked);
      } finally {
        spy.mockRestore();
      }
      expect(
        await Promise.all(profiles.map((p) => ctx.wallets.getBalance(p))),
      ).toEqual([10, 0, 10]);
    });

    it('leaves a registration the economy refuses unpaid, pays the others, and names it, run after run', async () => {
      const { profiles, registrations } = await tournamentWithPlayers(ctx, {
        players: 5,
        participationCoins: 10,
      });
      // A wallet 10 coins would take past the largest safe balance. Its
      // registration stays unpaid in this file's database: a backfill test
      // placed after this one would count it as failed.
      const full = Number.MAX_SAFE_INTEGER - 5;
      await ctx.wallets.credit(profiles[2], full, { reason: 'WINNER' });
      await verifyWithoutPayout(
        ctx,
        registrations.map((r) => r.id),
      );
      const refused = [
        { registrationId: registrations[2].id, code: 'INVALID_AMOUNT' },
      ];
      for (const expectedAwarded of [4, 0]) {
        const run = await payouts.backfillParticipationForVerifiedPayments({
          batchSize: 2,
        });
        expect(run).toMatchObject({
          awarded: expectedAwarded,
          failed: 1,
          refused,
        });
        expect(run.awarded + run.skipped + run.failed).toBe(run.checked);
        for (const [index, profile] of profiles.entries()) {
          expect(await ctx.wallets.getBalance(profile)).toBe(
            index === 2 ? full : 10,
          );
        }
      }
      expect(
        await prizeCount(ctx.dataSource, {
          registrationIds: [registrations[2].id],
        }),
      ).toBe(0);
    });
  });
});
