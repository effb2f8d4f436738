import {
  applyDecorators,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Patch,
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
import type { Principal } from '../../auth/principal';
import { PathId } from '../../http/path-id.decorator';
import { WalletService } from '../wallets/wallet.service';
import { ApiProblems } from '../../http/api-problems.decorator';
import { HistoryQueryDto } from './dto/history-query.dto';
import { historySeenBy } from './player-view';
import { MovementDto, OverdraftDto } from './dto/movement.dto';
import {
  HistoryPageResponse,
  MovementResponse,
  WalletResponse,
} from './dto/responses.dto';
import {
  IDEMPOTENCY_HEADER_DOC,
  IDEMPOTENCY_KEY_HEADER,
  idempotencyKeyFrom,
  REPLAYED_HEADER_DOC,
  replyWith,
  requestFingerprint,
  type CallerKey,
} from './idempotency-header';

/** Reads of a wallet: the platform, and a player its own. */
const WALLET_READERS: Callers = {
  roles: ['service', 'admin'],
  owner: { param: 'profileId' },
};

@ApiTags('wallets')
@Controller('wallets')
export class WalletsController {
  constructor(private readonly wallets: WalletService) {}

  @Get(':profileId')
  @CallableBy('Read a wallet', WALLET_READERS)
  @ApiOkResponse({ type: WalletResponse })
  @ApiProblems(400, 404, 429)
  getWallet(@PathId('profileId', 'a profile id') profileId: number) {
    return this.wallets.getWallet(profileId);
  }

  @Get(':profileId/transactions')
  @CallableBy("List a wallet's transactions, newest first", WALLET_READERS)
  @ApiOkResponse({ type: HistoryPageResponse })
  @ApiProblems(400, 404, 429)
  async getTransactions(
    @PathId('profileId', 'a profile id') profileId: number,
    @Query() query: HistoryQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HistoryPageResponse> {
    const limit = query.limit ?? 50;
    // One entry more than the page tells whether another page follows.
    const entries = await this.wallets.getTransactionHistory(
      profileId,
      query.cursor === undefined
        ? { limit: limit + 1 }
        : { limit: limit + 1, cursor: Number(query.cursor) },
    );
    const items = historySeenBy(principal, entries.slice(0, limit));
    return {
      items,
      nextCursor:
        entries.length > limit ? String(items[items.length - 1].id) : null,
    };
  }

  @Post(':profileId/credit')
  @MovementRoute('Credit a wallet')
  credit(
    @PathId('profileId', 'a profile id') profileId: number,
    @Body() body: MovementDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) key: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    return this.move(
      'credit',
      profileId,
      body,
      idempotencyKeyFrom(principal, key),
      response,
    );
  }

  @Post(':profileId/debit')
  @MovementRoute('Debit a wallet')
  debit(
    @PathId('profileId', 'a profile id') profileId: number,
    @Body() body: MovementDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) key: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ) {
    return this.move(
      'debit',
      profileId,
      body,
      idempotencyKeyFrom(principal, key),
      response,
    );
  }

  @Patch(':profileId')
  @HttpCode(200)
  @CallableBy("Allow or forbid a wallet's overdraft", { roles: ['admin'] })
  @ApiOkResponse({ type: WalletResponse })
  @ApiProblems(400, 404, 413, 415, 422)
  setOverdraft(
    @PathId('profileId', 'a profile id') profileId: number,
    @Body() body: OverdraftDto,
  ) {
    return this.wallets.setOverdraft(profileId, body.allowOverdraft);
  }

  private async move(
    kind: 'credit' | 'debit',
    profileId: number,
    body: MovementDto,
    key: CallerKey | undefined,
    response: FastifyReply,
  ) {
    const options = {
      reason: body.reason,
      meta: body.meta,
      ...key,
      requestFingerprint: requestFingerprint(`${kind} ${profileId}`, body),
    };
    return replyWith(
      response,
      kind === 'credit'
        ? await this.wallets.credit(profileId, body.amount, options)
        : await this.wallets.debit(profileId, body.amount, options),
    );
  }
}

/** Callers, Idempotency-Key and responses shared by credit and debit. */
function MovementRoute(action: string) {
  return applyDecorators(
    CallableBy(action, { roles: ['service', 'admin'] }),
    ApiHeader(IDEMPOTENCY_HEADER_DOC),
    ApiCreatedResponse({
      type: MovementResponse,
      headers: REPLAYED_HEADER_DOC,
    }),
    ApiProblems(400, 404, 409, 413, 415, 422),
  );
}
