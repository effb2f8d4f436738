import type { Profile } from '../../src/profiles';
import type { Registration, Tournament } from '../../src/payout/entities';
import { TournamentsService } from '../../src/payout/tournaments.service';
import type { EconomyTestContext } from './economy-test-context';

/** A tournament with `players` registrations; `verified` of them verified without payout. */
export async function tournamentWithPlayers(
  ctx: EconomyTestContext,
  options: {
    players: number;
    participationCoins?: number;
    prizes?: { WINNER: number; RUNNER_UP: number; TOP4: number };
  },
): Promise<{
  tournament: Tournament;
  profiles: Profile[];
  registrations: Registration[];
}> {
  const tournaments = ctx.get(TournamentsService);
  const tournament = await tournaments.create({
    name: `cup-${Date.now()}`,
    participationCoins: options.participationCoins ?? 10,
    prizes: options.prizes ?? { WINNER: 500, RUNNER_UP: 250, TOP4: 100 },
  });
  const profiles = await ctx.createProfiles(options.players);
  const registrations: Registration[] = [];
  for (const profile of profiles) {
    registrations.push(await tournaments.register(tournament.id, profile.id));
  }
  return { tournament, profiles, registrations };
}

/** Verifies payments the way a crash right after verification leaves them: unpaid. */
export async function verifyWithoutPayout(
  ctx: EconomyTestContext,
  registrationIds: number[],
): Promise<void> {
  await ctx.dataSource.query(
    `UPDATE registrations SET status = 'VERIFIED', payment_verified_at = now()
      WHERE id = ANY($1)`,
    [registrationIds],
  );
}

/**
 * A completed tournament of `players` verified registrations, placed in
 * order: the first WINNER, the second RUNNER_UP, the next `top4` TOP4.
 */
export async function placedTournament(
  ctx: EconomyTestContext,
  options: {
    players: number;
    top4?: number;
    prizes: { WINNER: number; RUNNER_UP: number; TOP4: number };
  },
): Promise<{
  tournament: Tournament;
  profiles: Profile[];
  ids: number[];
}> {
  const { tournament, profiles, registrations } = await tournamentWithPlayers(
    ctx,
    options,
  );
  const ids = registrations.map((r) => r.id);
  await verifyWithoutPayout(ctx, ids);
  await ctx.get(TournamentsService).setPlacements(tournament.id, {
    WINNER: ids[0],
    RUNNER_UP: ids[1],
    TOP4: ids.slice(2, 2 + (options.top4 ?? 0)),
  });
  return { tournament, profiles, ids };
}
