import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { canonicalId } from '../common/safe-integer';
import { ProblemCode } from '../http/problem-details';
import { RequestRejected } from '../http/request-rejected.exception';
import type { Role } from './access-token';
import {
  ALLOWED_ROLES,
  OWNER_FIELD,
  PUBLIC_ROUTE,
  type OwnedResource,
  type ProfileField,
} from './auth.decorators';
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
      ProfileField | OwnedResource | undefined
    >(OWNER_FIELD, targets);
    if (principal?.roles.includes('player') && owner !== undefined) {
      // The route checks the resource is the player's (see OwnedResource).
      if ('resource' in owner) {
        return true;
      }
      const named: unknown =
        'param' in owner
          ? request.params[owner.param]
          : (request.body as Record<string, unknown> | undefined)?.[owner.body];
      // A malformed id names nobody: refused here, never let through.
      const id =
        typeof named === 'number' ? positiveId(named) : canonicalId(named);
      if (id === null) {
        throw new RequestRejected(
          HttpStatus.BAD_REQUEST,
          ProblemCode.ValidationFailed,
          `${'param' in owner ? owner.param : owner.body}: must be a positive integer`,
        );
      }
      if (id === principal.profileId) {
        return true;
      }
    }
    throw new ForbiddenException('this principal may not do this');
  }
}

function positiveId(value: number): number | null {
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}
