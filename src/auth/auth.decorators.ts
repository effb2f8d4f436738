import {
  createParamDecorator,
  SetMetadata,
  type ExecutionContext,
} from '@nestjs/common';
import type { Role } from './access-token';
import type { AuthenticatedRequest, Principal } from './principal';

export const PUBLIC_ROUTE = 'auth:public';
export const ALLOWED_ROLES = 'auth:roles';
export const OWNER_FIELD = 'auth:owner';

/** No token needed (health, API docs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Principals holding one of these roles may call the route. */
export const AllowRoles = (...roles: Role[]) =>
  SetMetadata(ALLOWED_ROLES, roles);

/**
 * A player may also call the route for its own profile: the one named by
 * this path parameter or body field.
 */
export const AllowOwner = (source: { param: string } | { body: string }) =>
  SetMetadata(OWNER_FIELD, source);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
