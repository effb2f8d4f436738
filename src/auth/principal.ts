import type { Role } from './access-token';

/** Who is calling, from a verified access token. */
export interface Principal {
  profileId: number;
  roles: Role[];
}

/** Where the guards leave the principal on the request. */
export interface AuthenticatedRequest {
  principal?: Principal;
}

/**
 * A token whose only role is `player`: a player acting for itself. Any other
 * is the platform (a service or an operator), whose `sub` names the caller in
 * the same number space as players' profile ids.
 */
export function isPlayerOnly(principal: Principal): boolean {
  return principal.roles.every((role) => role === 'player');
}
