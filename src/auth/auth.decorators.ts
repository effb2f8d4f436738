import {
  applyDecorators,
  createParamDecorator,
  SetMetadata,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation } from '@nestjs/swagger';
import type { Role } from './access-token';
import type { AuthenticatedRequest, Principal } from './principal';

export const PUBLIC_ROUTE = 'auth:public';
export const ALLOWED_ROLES = 'auth:roles';
export const OWNER_FIELD = 'auth:owner';

/** The path parameter or body field that names a profile. */
export type ProfileField = { param: string } | { body: string };

/**
 * The resource a route names (a purchase, say) belongs to a player, who may
 * call the route for it: the guard lets a player through, and the route
 * itself checks the resource is the player's (403 otherwise).
 */
export type OwnedResource = { resource: string };

export interface Callers {
  /** Principals holding one of these roles may call the route. */
  roles: Role[];
  /** A player may also call the route for its own profile, the one this names. */
  owner?: ProfileField | OwnedResource;
}

/**
 * Who may call the route, for RolesGuard and OpenAPI from one statement: the
 * guard reads the roles and the owner field, and the operation's summary is
 * `action — callers`, so the document cannot disagree with the guard.
 */
export const CallableBy = (action: string, callers: Callers) =>
  applyDecorators(
    SetMetadata(ALLOWED_ROLES, callers.roles),
    ...(callers.owner === undefined
      ? []
      : [SetMetadata(OWNER_FIELD, callers.owner)]),
    ApiBearerAuth(),
    ApiOperation({ summary: `${action} — ${describeCallers(callers)}` }),
  );

/** No token needed (health); documented with an empty `security`. */
export const Public = (action: string) =>
  applyDecorators(
    SetMetadata(PUBLIC_ROUTE, true),
    ApiOperation({ summary: `${action} — anyone, no token`, security: [] }),
  );

/** `service, admin`, or `service, admin; the player whose id is profileId`. */
function describeCallers({ roles, owner }: Callers): string {
  if (owner === undefined) {
    return roles.join(', ');
  }
  if ('resource' in owner) {
    return `${roles.join(', ')}; the player whose ${owner.resource} it is`;
  }
  const field = 'param' in owner ? owner.param : owner.body;
  return `${roles.join(', ')}; the player whose id is ${field}`;
}

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
