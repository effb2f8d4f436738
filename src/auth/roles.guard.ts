import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { canonicalId } from '../economy/domain/safe-integer';
import type { Role } from './access-token';
import { ALLOWED_ROLES, OWNER_FIELD, PUBLIC_ROUTE } from './auth.decorators';
import type { AuthenticatedRequest } from './principal';

/**
 * Runs after JwtAuthGuard: a principal passes with an allowed role, or as the
 * player who owns the profile the route names (CallableBy's `owner`).
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) {
      return true;
    }
    const request = context
      .switchToHttp()
      .getRequest<
        FastifyRequest<{ Params: Record<string, string> }> &
          AuthenticatedRequest
      >();
    const principal = request.principal;
    const allowed =
      this.reflector.getAllAndOverride<Role[]>(ALLOWED_ROLES, targets) ?? [];
    if (principal?.roles.some((role) => allowed.includes(role))) {
      return true;
    }
    const owner = this.reflector.getAllAndOverride<
      { param: string } | { body: string } | undefined
    >(OWNER_FIELD, targets);
    if (principal?.roles.includes('player') && owner !== undefined) {
      const named: unknown =
        'param' in owner
          ? request.params[owner.param]
          : (request.body as Record<string, unknown> | undefined)?.[owner.body];
      // A malformed id names nobody: let validation answer it with a 400.
      if (
        String(named) === String(principal.profileId) ||
        canonicalId(String(named)) === null
      ) {
        return true;
      }
    }
    throw new ForbiddenException('this principal may not do this');
  }
}
