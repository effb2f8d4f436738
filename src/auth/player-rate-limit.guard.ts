import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { ProblemCode } from '../http/problem-details';
import { RequestRejected } from '../http/request-rejected.exception';
import { isPlayerOnly, type AuthenticatedRequest } from './principal';

/**
 * A player's requests, counted across every route (a count per route would
 * multiply the allowance by the number of routes) and refused with 429 and
 * Retry-After once over the limit (see AuthModule for the window). Runs
 * after authentication, so it knows the principal. Services and admins are
 * the platform itself (other modules, payout jobs, operators) and are never
 * limited. Counts live in PostgreSQL (SharedThrottlerStorage): every
 * instance of the service applies one limit.
 */
@Injectable()
export class PlayerRateLimitGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const { principal } = context
      .switchToHttp()
      .getRequest<AuthenticatedRequest>();
    // No principal after JwtAuthGuard (which AuthModule runs first) means a
    // @Public() route: /health, /docs.
    return Promise.resolve(principal === undefined || !isPlayerOnly(principal));
  }

  protected override getTracker(
    request: AuthenticatedRequest,
  ): Promise<string> {
    return Promise.resolve(String(request.principal!.profileId));
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
  ): string {
    return `player:${tracker}`;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    // Seconds until the oldest counted request leaves the minute.
    void context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('Retry-After', detail.timeToBlockExpire);
    throw new RequestRejected(
      HttpStatus.TOO_MANY_REQUESTS,
      ProblemCode.RateLimited,
      `too many requests: at most ${detail.limit} a minute; retry after ${detail.timeToBlockExpire} s`,
    );
  }
}
