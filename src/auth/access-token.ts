/** Who may do what over HTTP; a token carries one or more of these. */
export const ROLES = ['player', 'service', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The claims of an access token: `sub` is the profile id, as a string. */
export interface AccessTokenClaims {
  sub: string;
  roles: Role[];
}

export const JWT_ALGORITHM = 'HS256';
