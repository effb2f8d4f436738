import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { FastifyRequest } from 'fastify';
import { canonicalId } from '../common/safe-integer';
import { JWT_ALGORITHM, ROLES, type Role } from './access-token';
import { PUBLIC_ROUTE } from './auth.decorators';
import type { AuthenticatedRequest } from './principal';
import { VerifiedTokens } from './verified-tokens';

/** The longest life, in seconds, of a token the server accepts. */
export const MAX_TOKEN_TTL = Symbol('MAX_TOKEN_TTL');

/**
 * `Bearer` (any case, RFC 9110) and a token of RFC 6750's characters,
 * nothing after it.
 */
const BEARER_CREDENTIALS = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Every route needs `Authorization: Bearer <JWT>` (HS256,
 * unexpired, `sub` a profile id, `roles` from the known set, a life no
 * longer than MAX_TOKEN_TTL) unless it is marked @Public().
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly verified = new VerifiedTokens();

  constructor(
    private readonly jwt: JwtService,
    private readonly reflector: Reflector,
    @Inject(MAX_TOKEN_TTL) private readonly maxTtlSeconds: number,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (
      this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
        context.getHandler(),
        context.getClass(),
      ])
    ) {
      return true;
    }
    const request = context
      .switchToHttp()
      .getRequest<FastifyRequest & AuthenticatedRequest>();
    const token = BEARER_CREDENTIALS.exec(
      request.headers.authorization ?? '',
    )?.[1];
    if (token === undefined) {
      throw new UnauthorizedException('a bearer token is required');
    }
    const known = this.verified.principalOf(token);
    if (known !== undefined) {
      request.principal = known;
      return true;
    }
    let claims: {
      sub?: unknown;
      roles?: unknown;
      exp?: unknown;
      iat?: unknown;
    };
    try {
      claims = await this.jwt.verifyAsync(token, {
        algorithms: [JWT_ALGORITHM],
      });
    } catch {
      throw new UnauthorizedException('the bearer token is invalid or expired');
    }
    const profileId = canonicalId(claims.sub);
    const roles = claims.roles;
    // Every token expires: one without `exp` is refused, not trusted forever.
    // One with no roles is well-formed, and allowed nothing (403 from the
    // roles guard).
    if (
      typeof claims.exp !== 'number' ||
      profileId === null ||
      !Array.isArray(roles) ||
      !roles.every((role) => (ROLES as readonly unknown[]).includes(role))
    ) {
      throw new UnauthorizedException('the bearer token has malformed claims');
    }
    if (this.livesTooLong(claims.exp, claims.iat)) {
      throw new UnauthorizedException(
        'the bearer token lives longer than the server allows',
      );
    }
    request.principal = this.verified.remember(
      token,
      { profileId, roles: roles as Role[] },
      claims.exp,
    );
    return true;
  }

  /**
   * A token may live at most maxTtlSeconds from now, and from when it was
   * issued when it says: a stolen token dies within that bound.
   */
  private livesTooLong(exp: number, iat: unknown): boolean {
    const now = Math.floor(Date.now() / 1000);
    return (
      exp - now > this.maxTtlSeconds ||
      (typeof iat === 'number' && exp - iat > this.maxTtlSeconds)
    );
  }
}
