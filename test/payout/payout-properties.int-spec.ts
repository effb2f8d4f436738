import fc from 'fast-check';
import type { Profile } from '../../src/profiles';
import type { Registration, Tournament } from '../../src/payout/entities';
import { PayoutError, PayoutErrorCode } from '../../src/payout/payout.errors';
import { PayoutModule } from '../../src/payout/payout.module';
import { PayoutService } from '../../src/payout/payout.service';
import { TournamentsService } from '../../src/payout/tournaments.service';
import {
  createEconomyTestContext,
  type EconomyTestContext,
} from '../support/economy-test-context';

/*
 * Property-based test of the payouts against the real PostgreSQL: random
 * tournaments, and random steps of verifications, participation awards,
 * backfills, completions and placement awards, several at once. Whatever
 * the order and the overlap, every prize is paid exactly once: after each
 * step no prize is paid twice and every wallet holds exactly its recorded
 * prizes; once everything has run, every prize due is paid.
 */

const PLAYERS = 5;

type Operation =
  | { kind: 'verify'; tournament: number; player: number }
  | { kind: 'award'; tournament: number; player: number }
  | { kind: 'backfill'; batchSize: number }
  | { kind: 'placements'; tournament: number };

interface PrizeRow {
  registration_id: string;
  placement: string;
  coins: string;
  amount: string;
  reason: string;
  idempotency_key: string;
  wallet_id: string;
  profile_id: string;
}

const tournamentConfig = fc.record({
  participationCoins: fc.constantFrom(0, 5, 10),
  prizes: fc.record({
    WINNER: fc.constantFrom(0, 100),
    RUNNER_UP: fc.constantFrom(0, 50),
    TOP4: fc.constantFrom(0, 20),
  }),
  // Which of the players register (at least the first two, so that a
  // tournament can always be placed once they are verified).
  registered: fc
    .uniqueArray(fc.integer({ min: 2, max: PLAYERS - 1 }), { maxLength: 3 })
    .map((others) => [0, 1, ...others]),
});

const operation = (tournaments: number): fc.Arbitrary<Operation> => {
  const tournament = fc.integer({ min: 0, max: tournaments - 1 });
  const player = fc.integer({ min: 0, max: PLAYERS - 1 });
  return fc.oneof(
    fc.record({ kind: fc.constant('verify' as const), tournament, player }),
    fc.record({ kind: fc.constant('award' as const), tournament, player }),
    fc.record({
      kind: fc.constant('backfill' as const),
      batchSize: fc.integer({ min: 1, max: 3 }),
    }),
    fc.record({ kind: fc.constant('placements' as const), tournament }),
  );
};

// Steps: a tournament's completion alone, or up to four operations at once.
const scenario = fc
  .array(tournamentConfig, { minLength: 1, maxLength: 2 })
  .chain((configs) =>
    fc.record({
      configs: fc.constant(configs),
      steps: fc.array(
        fc.oneof(
          {
            weight: 1,
            arbitrary: fc.record({
              kind: fc.constant('complete' as const),
              tournament: fc.integer({ min: 0, max: configs.length - 1 }),
            }),
          },
          {
            weight: 4,
            arbitrary: fc.array(operation(configs.length), {
              minLength: 1,
              maxLength: 4,
            }),
          },
        ),
        { minLength: 1, maxLength: 8 },
      ),
    }),
  );

describe('payout properties', () => {
  let ctx: EconomyTestContext;
  let payouts: PayoutService;
  let tournaments: TournamentsService;

  beforeAll(async () => {
    ctx = await createEconomyTestContext({ modules: [PayoutModule] });
    payouts = ctx.get(PayoutService);
    tournaments = ctx.get(TournamentsService);
  });
  afterAll(() => ctx.close());

  /** Every prize of these registrations, with the ledger row that paid it. */
  const prizesOf = (registrationIds: number[]) =>
    ctx.dataSource.query<PrizeRow[]>(
      `SELECT p.registration_id, p.placement, p.coins, t.amount, t.reason,
              t.idempotency_key, t.wallet_id, w.profile_id
         FROM prize_transactions p
         JOIN wallet_transactions t ON t.id = p.wallet_transaction_id
         JOIN wallets w ON w.id = t.wallet_id
        WHERE p.registration_id = ANY($1)
        ORDER BY p.registration_id, p.placement`,
      [registrationIds],
    );

  /** Each profile's balance and ledger total (0 without a wallet). */
  const holdings = async (profiles: Profile[]) => {
    const rows = await ctx.dataSource.query<
      { profile_id: string; cached: string; ledger: string }[]
    >(
      `SELECT w.profile_id, w.cached_balance AS cached,
              (SELECT coalesce(sum(amount), 0) FROM wallet_transactions t
                WHERE t.wallet_id = w.id) AS ledger
         FROM wallets w WHERE w.profile_id = ANY($1)`,
      [profiles.map((profile) => profile.id)],
    );
    return new Map(
      rows.map((row) => [
        Number(row.profile_id),
        { cached: Number(row.cached), ledger: Number(row.ledger) },
      ]),
    );
  };

  it('pays every prize exactly once, whatever runs in which order or at once', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ configs, steps }) => {
        const players = await ctx.createProfiles(PLAYERS);
        const cups: {
          tournament: Tournament;
          config: (typeof configs)[number];
          registrations: Map<number, Registration>;
        }[] = [];
        for (const config of configs) {
          const tournament = await tournaments.create({
            name: 'property cup',
            participationCoins: config.participationCoins,
            prizes: config.prizes,
          });
          const registrations = new Map<number, Registration>();
          for (const player of config.registered) {
            registrations.set(
              player,
              await tournaments.register(tournament.id, players[player].id),
            );
          }
          cups.push({ tournament, config, registrations });
        }
        const registrationIds = cups.flatMap((cup) =>
          [...cup.registrations.values()].map((r) => r.id),
        );
        const verified = new Set<number>();
        const placed = new Map<number, 'WINNER' | 'RUNNER_UP' | 'TOP4'>();
        const completed = new Set<number>();

        const run = async (op: Operation): Promise<void> => {
          const cup = 'tournament' in op ? cups[op.tournament] : undefined;
          const registration =
            'player' in op ? cup!.registrations.get(op.player) : undefined;
          try {
            switch (op.kind) {
              case 'verify':
                if (registration !== undefined) {
                  await tournaments.verifyPayment(registration.id);
                }
                return;
              case 'award':
                if (registration !== undefined) {
                  await payouts.awardParticipation(registration.id);
                }
                return;
              case 'backfill': {
                // Nothing here is ever refused: a refusal would be a payout
                // key that disagrees with another path's.
                const counts =
                  await payouts.backfillParticipationForVerifiedPayments({
                    batchSize: op.batchSize,
                  });
                expect(counts).toMatchObject({ failed: 0, refused: [] });
                expect(counts.awarded + counts.skipped).toBe(counts.checked);
                return;
              }
              case 'placements':
                await payouts.awardPlacements(cup!.tournament.id);
                return;
            }
          } catch (error) {
            // The only refusals a run may meet: awarding an unverified
            // registration, or placements before the tournament completes.
            const expected =
              error instanceof PayoutError &&
              ((op.kind === 'award' &&
                error.code === PayoutErrorCode.RegistrationNotVerified) ||
                (op.kind === 'placements' &&
                  error.code === PayoutErrorCode.TournamentNotCompleted));
            if (!expected) {
              throw error;
            }
          }
        };

        // No coin paid twice (each wallet holds exactly its recorded prizes;
        // a prize recorded twice is refused by a unique index already), and
        // a verified payment has had its participation paid at once.
        const checkPaidOnce = async () => {
          const prizes = await prizesOf(registrationIds);
          const seen = new Set(
            prizes.map((p) => `${p.registration_id}:${p.placement}`),
          );
          for (const cup of cups) {
            for (const registration of cup.registrations.values()) {
              expect(seen.has(`${registration.id}:PARTICIPATION`)).toBe(
                verified.has(registration.id) &&
                  cup.config.participationCoins > 0,
              );
            }
          }
          const owed = new Map<number, number>();
          for (const prize of prizes) {
            expect(prize.amount).toBe(prize.coins);
            expect(prize.reason).toBe(prize.placement);
            const profileId = Number(prize.profile_id);
            owed.set(
              profileId,
              (owed.get(profileId) ?? 0) + Number(prize.coins),
            );
          }
          const held = await holdings(players);
          for (const player of players) {
            const expected = owed.get(player.id) ?? 0;
            const wallet = held.get(player.id) ?? { cached: 0, ledger: 0 };
            expect(wallet).toEqual({ cached: expected, ledger: expected });
          }
          return prizes;
        };

        for (const step of steps) {
          if (!Array.isArray(step)) {
            const cup = cups[step.tournament];
            const ready = [...cup.registrations.values()].filter((r) =>
              verified.has(r.id),
            );
            if (completed.has(cup.tournament.id) || ready.length < 2) {
              continue;
            }
            const [winner, runnerUp, ...rest] = ready;
            const top4 = rest.slice(0, 2);
            await tournaments.setPlacements(cup.tournament.id, {
              WINNER: winner.id,
              RUNNER_UP: runnerUp.id,
              TOP4: top4.map((r) => r.id),
            });
            completed.add(cup.tournament.id);
            placed.set(winner.id, 'WINNER');
            placed.set(runnerUp.id, 'RUNNER_UP');
            top4.forEach((r) => placed.set(r.id, 'TOP4'));
            continue;
          }
          await Promise.all(step.map(run));
          for (const op of step) {
            if (op.kind === 'verify') {
              const registration = cups[op.tournament].registrations.get(
                op.player,
              );
              if (registration !== undefined) {
                verified.add(registration.id);
              }
            }
          }
          await checkPaidOnce();
        }

        // Everything due, once more from the top: now every prize is paid.
        await payouts.backfillParticipationForVerifiedPayments();
        for (const id of completed) {
          await payouts.awardPlacements(id);
        }
        const prizes = await checkPaidOnce();
        const due: string[] = [];
        for (const cup of cups) {
          const { config } = cup;
          for (const registration of cup.registrations.values()) {
            if (
              verified.has(registration.id) &&
              config.participationCoins > 0
            ) {
              due.push(`${registration.id}:PARTICIPATION`);
            }
            const placement = placed.get(registration.id);
            if (placement !== undefined && config.prizes[placement] > 0) {
              due.push(`${registration.id}:${placement}`);
            }
          }
        }
        expect(
          prizes.map((p) => `${p.registration_id}:${p.placement}`).sort(),
        ).toEqual(due.sort());
        // Keys as the issue names them: participation per registration and
        // wallet, placements per tournament and wallet.
        for (const prize of prizes) {
          const registration = cups
            .flatMap((cup) => [...cup.registrations.values()])
            .find((r) => r.id === Number(prize.registration_id))!;
          expect(prize.idempotency_key).toBe(
            prize.placement === 'PARTICIPATION'
              ? `participation:reg:${registration.id}:w:${prize.wallet_id}`
              : `${prize.placement}:t:${registration.tournamentId}:w:${prize.wallet_id}`,
          );
        }
        expect((await ctx.ledger.verifyInvariants()).ok).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
