import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AllowOwner, AllowRoles } from '../../auth/auth.decorators';
import { ApiProblems } from '../../http/api-problems.decorator';
import { PathId } from '../../http/path-id.decorator';
import { PayoutService, type PrizeRecord } from '../payout.service';
import { TournamentsService } from '../tournaments.service';
import {
  CreatedResponse,
  CreateTournamentDto,
  PlacementsDto,
  PrizeResponse,
  RegisterDto,
} from './dto/tournament.dto';

@ApiTags('tournaments')
@ApiParam({ name: 'id', type: Number, description: 'a tournament id' })
@Controller('tournaments')
export class TournamentsController {
  constructor(
    private readonly tournaments: TournamentsService,
    private readonly payouts: PayoutService,
  ) {}

  @Post()
  @AllowRoles('admin')
  @ApiCreatedResponse({ type: CreatedResponse })
  @ApiProblems(400, 413, 415)
  async create(@Body() body: CreateTournamentDto): Promise<CreatedResponse> {
    const tournament = await this.tournaments.create(body);
    return { id: tournament.id, status: tournament.status };
  }

  @Post(':id/registrations')
  @AllowRoles('service', 'admin')
  @AllowOwner({ body: 'profileId' })
  @ApiCreatedResponse({ type: CreatedResponse })
  @ApiProblems(400, 404, 409, 413, 415, 422, 429)
  async register(
    @PathId('id') tournamentId: number,
    @Body() body: RegisterDto,
  ): Promise<CreatedResponse> {
    const registration = await this.tournaments.register(
      tournamentId,
      body.profileId,
    );
    return { id: registration.id, status: registration.status };
  }

  @Put(':id/placements')
  @AllowRoles('admin')
  @ApiOkResponse({ type: CreatedResponse })
  @ApiProblems(400, 404, 413, 415, 422)
  async setPlacements(
    @PathId('id') tournamentId: number,
    @Body() body: PlacementsDto,
  ): Promise<CreatedResponse> {
    const tournament = await this.tournaments.setPlacements(tournamentId, body);
    return { id: tournament.id, status: tournament.status };
  }

  @Post(':id/payouts')
  @HttpCode(200)
  @AllowRoles('service', 'admin')
  @ApiOkResponse({ type: [PrizeResponse] })
  @ApiProblems(400, 404, 409, 413, 415, 422)
  award(@PathId('id') tournamentId: number): Promise<PrizeRecord[]> {
    return this.payouts.awardPlacements(tournamentId);
  }

  @Get(':id/payouts')
  @AllowRoles('service', 'admin')
  @ApiOkResponse({ type: [PrizeResponse] })
  @ApiProblems(400, 404)
  async list(@PathId('id') tournamentId: number): Promise<PrizeRecord[]> {
    await this.payouts.findTournament(tournamentId);
    return this.payouts.placementPrizes(tournamentId);
  }
}
