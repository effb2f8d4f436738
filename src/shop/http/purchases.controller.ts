import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Post,
  Query,
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
import { isPlayerOnly, type Principal } from '../../auth/principal';
import {
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyFrom,
  REPLAYED_HEADER_DOC,
  replyWith,
  requestFingerprint,
} from '../../economy/http/idempotency-header';
import { HistoryQueryDto } from '../../economy/http/dto/history-query.dto';
import { ApiProblems } from '../../http/api-problems.decorator';
import { PathId } from '../../http/path-id.decorator';
import { ProblemCode } from '../../http/problem-details';
import { RequestRejected } from '../../http/request-rejected.exception';
import { CheckoutService } from '../checkout.service';
import { PurchaseLifecycle } from '../purchase-lifecycle.service';
import { PurchaseReads } from '../purchase-reads';
import type { PurchaseView } from '../shop.types';
import {
  PurchaseDto,
  PurchasePageResponse,
  PurchaseResponse,
} from './dto/purchase.dto';

/** A purchase's own player, and the platform. */
const BUYER_OR_PLATFORM: Callers = {
  roles: ['service', 'admin'],
  owner: { resource: 'purchase' },
};

@ApiTags('shop')
@Controller()
export class PurchasesController {
  constructor(
    private readonly checkout: CheckoutService,
    private readonly lifecycle: PurchaseLifecycle,
    private readonly reads: PurchaseReads,
  ) {}

  @Post('purchases')
  @CallableBy('Buy items: hold their total and reserve their stock', {
    roles: ['service', 'admin'],
    owner: { body: 'profileId' },
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description:
      '1 to 255 printable ASCII characters, required; a replay with the same body answers the purchase as it stands, with Idempotent-Replayed: true; another body gets 409',
    schema: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x20-\\x7e]{1,255}$',
    },
  })
  @ApiCreatedResponse({ type: PurchaseResponse, headers: REPLAYED_HEADER_DOC })
  @ApiProblems(400, 404, 409, 413, 415, 422, 429)
  async purchase(
    @Body() body: PurchaseDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) header: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    const key = idempotencyKeyFrom(principal, header);
    if (key === undefined) {
      throw new RequestRejected(
        HttpStatus.BAD_REQUEST,
        ProblemCode.ValidationFailed,
        'a purchase needs an Idempotency-Key header',
      );
    }
    return replyWith(
      response,
      await this.checkout.purchase({
        ...body,
        ...key,
        requestFingerprint: requestFingerprint('purchase', body),
      }),
    );
  }

  @Get('purchases/:id')
  @CallableBy('Read a purchase', BUYER_OR_PLATFORM)
  @ApiOkResponse({ type: PurchaseResponse })
  @ApiProblems(400, 404, 429)
  async read(
    @PathId('id', 'a purchase id') id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PurchaseView> {
    return ownedBy(principal, await this.reads.find(id));
  }

  @Post('purchases/:id/confirm')
  @HttpCode(200)
  @CallableBy(
    'Confirm a purchase: the goods were granted, its total is captured',
    {
      roles: ['service', 'admin'],
    },
  )
  @ApiOkResponse({ type: PurchaseResponse })
  @ApiProblems(400, 404, 409, 413, 415)
  confirm(@PathId('id', 'a purchase id') id: number): Promise<PurchaseView> {
    return this.lifecycle.confirm(id);
  }

  @Post('purchases/:id/cancel')
  @HttpCode(200)
  @CallableBy(
    'Cancel a pending purchase: coins released, stock returned',
    BUYER_OR_PLATFORM,
  )
  @ApiOkResponse({ type: PurchaseResponse })
  @ApiProblems(400, 404, 409, 413, 415, 429)
  async cancel(
    @PathId('id', 'a purchase id') id: number,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PurchaseView> {
    ownedBy(principal, await this.reads.find(id));
    return this.lifecycle.cancel(id);
  }

  @Post('purchases/:id/refund')
  @HttpCode(200)
  @CallableBy(
    'Refund a completed purchase: coins credited back, stock returned',
    {
      roles: ['admin'],
    },
  )
  @ApiOkResponse({ type: PurchaseResponse })
  @ApiProblems(400, 404, 409, 413, 415)
  refund(@PathId('id', 'a purchase id') id: number): Promise<PurchaseView> {
    return this.lifecycle.refund(id);
  }

  @Get('wallets/:profileId/purchases')
  @CallableBy("List a profile's purchases, newest first", {
    roles: ['service', 'admin'],
    owner: { param: 'profileId' },
  })
  @ApiOkResponse({ type: PurchasePageResponse })
  @ApiProblems(400, 429)
  async list(
    @PathId('profileId', 'a profile id') profileId: number,
    @Query() query: HistoryQueryDto,
  ): Promise<{ items: PurchaseView[]; nextCursor: string | null }> {
    const limit = query.limit ?? 50;
    // One more than the page tells whether another page follows.
    const found = await this.reads.page(profileId, {
      limit: limit + 1,
      before: query.cursor === undefined ? undefined : Number(query.cursor),
    });
    const items = found.slice(0, limit);
    return {
      items,
      nextCursor:
        found.length > limit ? String(items[items.length - 1].id) : null,
    };
  }
}

/** The purchase, when the caller is the platform or the player who made it. */
function ownedBy(principal: Principal, purchase: PurchaseView): PurchaseView {
  if (isPlayerOnly(principal) && purchase.profileId !== principal.profileId) {
    throw new ForbiddenException('this principal may not do this');
  }
  return purchase;
}
