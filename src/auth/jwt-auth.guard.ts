import {
  CanActivate,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { FastifyRequest } from 'fastify';
import { canonicalId } from '../economy/domain/safe-integer';
import { JWT_ALGORITHM, ROLES, type Role } from './access-token';
import { PUBLIC_ROUTE } from './auth.decorators';
import type { AuthenticatedRequest } from './principal';
import { VerifiedTokens } from './verified-tokens';

/**
 * Every route needs `Authorization: Bearer <JWT>` (HS256, unexpired, `sub` a
 * profile id, `roles` from the known set) unless it is marked @Public().
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly verified = new VerifiedTokens();

  constructor(
    private readonly jwt: JwtService,
    private readonly reflector: Reflector,
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
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    // Auth schemes are case-insensitive (RFC 9110, section 11.1).
    if (scheme.toLowerCase() !== 'bearer' || !token) {
      throw new UnauthorizedException('a bearer token is required');
    }
    const known = this.verified.principalOf(token);
    if (known !== undefined) {
      request.principal = known;
      return true;
    }
    let claims: { sub?: unknown; roles?: unknown; exp?: unknown };
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
    if (
      typeof claims.exp !== 'number' ||
      profileId === null ||
      !Array.isArray(roles) ||
      roles.length === 0 ||
      !roles.every((role) => (ROLES as readonly unknown[]).includes(role))
    ) {
      throw new UnauthorizedException('the bearer token has malformed claims');
    }
    request.principal = this.verified.remember(
      token,
      { profileId, roles: roles as Role[] },
      claims.exp,
    );
    return true;
  }
}
