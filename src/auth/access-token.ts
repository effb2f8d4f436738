/** Who may do what over HTTP; a token carries one or more of these. */
export const ROLES = ['player', 'service', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The claims of an access token: `sub` is the profile id, as a string. */
export interface AccessTokenClaims {
  sub: string;
  roles: Role[];
}

export const JWT_ALGORITHM = 'HS256';

/** `90s`, `15m`, `12h`, `7d`, or a number of seconds. */
export const TOKEN_TTL_PATTERN = /^[1-9]\d{0,8}[smhd]?$/;

const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** A TOKEN_TTL_PATTERN duration in seconds. */
export function ttlSeconds(ttl: string): number {
  const unit = ttl.at(-1) as keyof typeof SECONDS_PER_UNIT | undefined;
  return unit !== undefined && unit in SECONDS_PER_UNIT
    ? Number(ttl.slice(0, -1)) * SECONDS_PER_UNIT[unit]
    : Number(ttl);
}
