import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallableBy } from '../../auth/auth.decorators';
import { ApiProblems } from '../../http/api-problems.decorator';
import { PathId } from '../../http/path-id.decorator';
import { PayoutService } from '../payout.service';
import type { PrizeRecord } from '../payout.types';
import { TournamentsService } from '../tournaments.service';
import {
  CreatedResponse,
  CreateTournamentDto,
  PlacementsDto,
  PrizeResponse,
  RegisterDto,
} from './dto/tournament.dto';

@ApiTags('tournaments')
@Controller('tournaments')
export class TournamentsController {
  constructor(
    private readonly tournaments: TournamentsService,
    private readonly payouts: PayoutService,
  ) {}

  @Post()
  @CallableBy('Create a tournament', { roles: ['admin'] })
  @ApiCreatedResponse({ type: CreatedResponse })
  @ApiProblems(400, 413, 415)
  async create(@Body() body: CreateTournamentDto): Promise<CreatedResponse> {
    const tournament = await this.tournaments.create(body);
    return { id: tournament.id, status: tournament.status };
  }

  @Post(':id/registrations')
  @CallableBy('Register a profile for a tournament', {
    roles: ['service', 'admin'],
    owner: { body: 'profileId' },
  })
  @ApiCreatedResponse({ type: CreatedResponse })
  @ApiProblems(400, 404, 409, 413, 415, 422, 429)
  async register(
    @PathId('id', 'a tournament id') tournamentId: number,
    @Body() body: RegisterDto,
  ): Promise<CreatedResponse> {
    const registration = await this.tournaments.register(
      tournamentId,
      body.profileId,
    );
    return { id: registration.id, status: registration.status };
  }

  @Put(':id/placements')
  @CallableBy("Set a tournament's placements and complete it", {
    roles: ['admin'],
  })
  @ApiOkResponse({ type: CreatedResponse })
  @ApiProblems(400, 404, 413, 415, 422)
  async setPlacements(
    @PathId('id', 'a tournament id') tournamentId: number,
    @Body() body: PlacementsDto,
  ): Promise<CreatedResponse> {
    const tournament = await this.tournaments.setPlacements(tournamentId, body);
    return { id: tournament.id, status: tournament.status };
  }

  @Post(':id/payouts')
  @HttpCode(200)
  @CallableBy('Pay the placement prizes of a completed tournament', {
    roles: ['service', 'admin'],
  })
  @ApiOkResponse({ type: [PrizeResponse] })
  @ApiProblems(400, 404, 409, 413, 415, 422)
  async award(
    @PathId('id', 'a tournament id') tournamentId: number,
  ): Promise<PrizeRecord[]> {
    return (await this.payouts.awardPlacements(tournamentId)).prizes;
  }

  @Get(':id/payouts')
  @CallableBy(
    'List every prize a tournament paid (participation and placements)',
    {
      roles: ['service', 'admin'],
    },
  )
  @ApiOkResponse({ type: [PrizeResponse] })
  @ApiProblems(400, 404)
  list(
    @PathId('id', 'a tournament id') tournamentId: number,
  ): Promise<PrizeRecord[]> {
    return this.payouts.prizesOf(tournamentId);
  }
}
