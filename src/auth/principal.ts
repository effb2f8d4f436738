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
