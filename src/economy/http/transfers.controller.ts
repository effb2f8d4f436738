import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CallableBy, CurrentPrincipal } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { WalletService } from '../wallets/wallet.service';
import { ApiProblems } from '../../http/api-problems.decorator';
import { TransferDto } from './dto/movement.dto';
import { TransferResponse } from './dto/responses.dto';
import { transferSeenBy } from './player-view';
import {
  IDEMPOTENCY_HEADER_DOC,
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyFrom,
  REPLAYED_HEADER_DOC,
  replyWith,
  requestFingerprint,
} from './idempotency-header';

@ApiTags('transfers')
@Controller('transfers')
export class TransfersController {
  constructor(private readonly wallets: WalletService) {}

  @Post()
  @CallableBy('Transfer coins between two wallets', {
    roles: ['service', 'admin'],
    owner: { body: 'fromProfileId' },
  })
  @ApiHeader(IDEMPOTENCY_HEADER_DOC)
  @ApiCreatedResponse({ type: TransferResponse, headers: REPLAYED_HEADER_DOC })
  @ApiProblems(400, 404, 409, 413, 415, 422, 429)
  async transfer(
    @Body() body: TransferDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) header: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const result = await this.wallets.transfer(
      body.fromProfileId,
      body.toProfileId,
      body.amount,
      {
        reason: body.reason,
        meta: body.meta,
        ...idempotencyKeyFrom(principal, header),
        requestFingerprint: requestFingerprint('transfer', body),
      },
    );
    return replyWith(response, transferSeenBy(principal, result));
  }
}
