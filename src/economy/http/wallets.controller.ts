import {
  applyDecorators,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
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
import type { Response } from 'express';
import { AllowOwner, AllowRoles } from '../../auth/auth.decorators';
import { PositiveIdPipe } from '../../http/positive-id.pipe';
import { WalletService } from '../wallet.service';
import { ApiProblems } from './api-problems.decorator';
import { HistoryQueryDto } from './dto/history-query.dto';
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
  replyWith,
  requestFingerprint,
} from './idempotency-header';

@ApiTags('wallets')
@Controller('wallets')
export class WalletsController {
  constructor(private readonly wallets: WalletService) {}

  @Get(':profileId')
  @AllowRoles('service', 'admin')
  @AllowOwner({ param: 'profileId' })
  @ApiOkResponse({ type: WalletResponse })
  @ApiProblems(400, 404)
  getWallet(@Param('profileId', PositiveIdPipe) profileId: number) {
    return this.wallets.getWallet(profileId);
  }

  @Get(':profileId/transactions')
  @AllowRoles('service', 'admin')
  @AllowOwner({ param: 'profileId' })
  @ApiOkResponse({ type: HistoryPageResponse })
  @ApiProblems(400, 404)
  async getTransactions(
    @Param('profileId', PositiveIdPipe) profileId: number,
    @Query() query: HistoryQueryDto,
  ): Promise<HistoryPageResponse> {
    const limit = query.limit ?? 50;
    // One entry more than the page tells whether another page follows.
    const entries = await this.wallets.getTransactionHistory(
      profileId,
      query.cursor === undefined
        ? { limit: limit + 1 }
        : { limit: limit + 1, cursor: Number(query.cursor) },
    );
    const items = entries.slice(0, limit);
    return {
      items,
      nextCursor:
        entries.length > limit ? String(items[items.length - 1].id) : null,
    };
  }

  @Post(':profileId/credit')
  @MovementRoute()
  credit(
    @Param('profileId', PositiveIdPipe) profileId: number,
    @Body() body: MovementDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.move('credit', profileId, body, key, response);
  }

  @Post(':profileId/debit')
  @MovementRoute()
  debit(
    @Param('profileId', PositiveIdPipe) profileId: number,
    @Body() body: MovementDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.move('debit', profileId, body, key, response);
  }

  @Patch(':profileId')
  @HttpCode(200)
  @AllowRoles('admin')
  @ApiOkResponse({ type: WalletResponse })
  @ApiProblems(400, 404, 422)
  setOverdraft(
    @Param('profileId', PositiveIdPipe) profileId: number,
    @Body() body: OverdraftDto,
  ) {
    return this.wallets.setOverdraft(profileId, body.allowOverdraft);
  }

  private async move(
    kind: 'credit' | 'debit',
    profileId: number,
    body: MovementDto,
    key: string | undefined,
    response: Response,
  ) {
    const options = {
      reason: body.reason,
      meta: body.meta,
      idempotencyKey: idempotencyKeyFrom(key),
      requestFingerprint: requestFingerprint(`${kind} ${profileId}`, body),
    };
    return replyWith(
      response,
      kind === 'credit'
        ? await this.wallets.applyCredit(profileId, body.amount, options)
        : await this.wallets.applyDebit(profileId, body.amount, options),
    );
  }
}

/** Roles, Idempotency-Key and responses shared by credit and debit. */
function MovementRoute() {
  return applyDecorators(
    AllowRoles('service', 'admin'),
    ApiHeader(IDEMPOTENCY_HEADER_DOC),
    ApiCreatedResponse({ type: MovementResponse }),
    ApiProblems(400, 404, 409, 413, 415, 422),
  );
}
