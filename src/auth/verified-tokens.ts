import type { Principal } from './principal';

/** Tokens remembered at most; beyond, the oldest verification is dropped. */
const MAX_REMEMBERED = 10_000;

/**
 * Bearer tokens already verified, with the principal each names. Verifying an
 * HS256 token (decode, HMAC, claims) is the largest fixed cost of a request,
 * and a caller sends the same token with every request until it expires. A
 * token is its own key: only the exact string that was verified hits, its
 * claims cannot change under its signature, and its expiry is checked again
 * on every hit, as jsonwebtoken checks it (whole seconds).
 */
export class VerifiedTokens {
  private readonly entries = new Map<
    string,
    { principal: Principal; exp: number }
  >();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly capacity = MAX_REMEMBERED,
  ) {}

  /** The principal of `token` while it is unexpired; undefined otherwise. */
  principalOf(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) {
      return undefined;
    }
    if (Math.floor(this.now() / 1000) >= entry.exp) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  /** Remembers a verified token until `exp`; returns its principal, frozen. */
  remember(token: string, principal: Principal, exp: number): Principal {
    if (!this.entries.has(token) && this.entries.size >= this.capacity) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    // Shared by every request that sends the token: nobody may change it.
    const frozen = Object.freeze({
      ...principal,
      roles: Object.freeze([...principal.roles]) as Principal['roles'],
    });
    this.entries.set(token, { principal: frozen, exp });
    return frozen;
  }
}
