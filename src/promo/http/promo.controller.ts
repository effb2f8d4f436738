import { Body, Controller, Get, Headers, Post, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  CallableBy,
  CurrentPrincipal,
  type Callers,
} from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import {
  IDEMPOTENCY_HEADER_DOC,
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyFrom,
  REPLAYED_HEADER_DOC,
  replyWith,
} from '../../economy/http/idempotency-header';
import { ApiProblems } from '../../http/api-problems.decorator';
import { PathId } from '../../http/path-id.decorator';
import { CampaignService } from '../campaign.service';
import type { CampaignView, CreatedCampaign } from '../promo.types';
import { RedemptionService } from '../redemption.service';
import {
  CampaignResponse,
  CreateCampaignDto,
  CreatedCampaignResponse,
  RedemptionDto,
  RedemptionResponse,
} from './dto/promo.dto';

const ADMINS: Callers = { roles: ['admin'] };

@ApiTags('promo')
@Controller('promo')
export class PromoController {
  constructor(
    private readonly campaigns: CampaignService,
    private readonly redemptions: RedemptionService,
  ) {}

  @Post('campaigns')
  @CallableBy(
    'Create a campaign: one shared code, or generated single-use codes returned in this answer only',
    ADMINS,
  )
  @ApiCreatedResponse({ type: CreatedCampaignResponse })
  @ApiProblems(400, 409, 413, 415)
  create(@Body() body: CreateCampaignDto): Promise<CreatedCampaign> {
    return this.campaigns.create({
      ...body,
      startsAt: body.startsAt ? new Date(body.startsAt) : null,
      endsAt: body.endsAt ? new Date(body.endsAt) : null,
    });
  }

  @Get('campaigns/:id')
  @CallableBy(
    'Read a campaign and how often it was redeemed, never its codes',
    ADMINS,
  )
  @ApiOkResponse({ type: CampaignResponse })
  @ApiProblems(400, 404)
  read(@PathId('id', 'a campaign id') id: number): Promise<CampaignView> {
    return this.campaigns.find(id);
  }

  @Post('redemptions')
  @CallableBy("Redeem a code: its campaign's coins credited (reason PROMO)", {
    roles: ['service', 'admin'],
    owner: { body: 'profileId' },
  })
  @ApiHeader(IDEMPOTENCY_HEADER_DOC)
  @ApiCreatedResponse({
    type: RedemptionResponse,
    headers: REPLAYED_HEADER_DOC,
  })
  @ApiProblems(400, 404, 409, 413, 415, 422, 429)
  async redeem(
    @Body() body: RedemptionDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) header: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<RedemptionResponse> {
    return replyWith(
      response,
      await this.redemptions.redeem({
        code: body.code,
        profileId: body.profileId,
        ...idempotencyKeyFrom(principal, header),
      }),
    );
  }
}
