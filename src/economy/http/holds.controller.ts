import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Post,
  Res,
} from '@nestjs/common';
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
import { ApiProblems } from '../../http/api-problems.decorator';
import { PathId } from '../../http/path-id.decorator';
import type { CapturedHold, HoldView, ReleasedHold } from '../holds/hold.types';
import { WalletService } from '../wallets/wallet.service';
import {
  CaptureDto,
  CapturedHoldResponse,
  HoldDto,
  HoldResponse,
  PlacedHoldResponse,
  ReleasedHoldResponse,
} from './dto/hold.dto';
import {
  IDEMPOTENCY_HEADER_DOC,
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyFrom,
  REPLAYED_HEADER_DOC,
  replyWith,
  requestFingerprint,
} from './idempotency-header';

/** Holds are the platform's: a service reserving coins for what it sells. */
const PLATFORM: Callers = { roles: ['service', 'admin'] };

@ApiTags('holds')
@Controller()
export class HoldsController {
  constructor(private readonly wallets: WalletService) {}

  @Post('wallets/:profileId/holds')
  @CallableBy('Reserve coins of a wallet', PLATFORM)
  @ApiHeader(IDEMPOTENCY_HEADER_DOC)
  @ApiCreatedResponse({
    type: PlacedHoldResponse,
    headers: REPLAYED_HEADER_DOC,
  })
  @ApiProblems(400, 404, 409, 413, 415, 422)
  async place(
    @PathId('profileId', 'a profile id') profileId: number,
    @Body() body: HoldDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) header: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<PlacedHoldResponse> {
    const hold = await this.wallets.hold(profileId, body.amount, {
      reason: body.reason,
      expiresInSeconds: body.expiresInSeconds,
      meta: body.meta,
      ...idempotencyKeyFrom(principal, header),
      requestFingerprint: requestFingerprint(`hold ${profileId}`, body),
    });
    const { holdId, walletId, amount, status, expiresAt, available, replayed } =
      hold;
    return replyWith(response, {
      holdId,
      walletId,
      amount,
      status,
      expiresAt,
      available,
      replayed,
    });
  }

  @Get('holds/:id')
  @CallableBy('Read a hold', PLATFORM)
  @ApiOkResponse({ type: HoldResponse })
  @ApiProblems(400, 404)
  read(@PathId('id', 'a hold id') holdId: number): Promise<HoldView> {
    return this.wallets.getHold(holdId);
  }

  @Post('holds/:id/capture')
  @HttpCode(200)
  @CallableBy('Capture a hold: settle up to its amount as one debit', PLATFORM)
  @ApiOkResponse({ type: CapturedHoldResponse })
  @ApiProblems(400, 404, 409, 413, 415)
  capture(
    @PathId('id', 'a hold id') holdId: number,
    @Body() body: CaptureDto,
  ): Promise<CapturedHold> {
    return this.wallets.capture(holdId, { amount: body.amount });
  }

  @Post('holds/:id/release')
  @HttpCode(200)
  @CallableBy('Release a hold: its coins may be spent again', PLATFORM)
  @ApiOkResponse({ type: ReleasedHoldResponse })
  @ApiProblems(400, 404, 409, 413, 415)
  release(@PathId('id', 'a hold id') holdId: number): Promise<ReleasedHold> {
    return this.wallets.release(holdId);
  }
}
