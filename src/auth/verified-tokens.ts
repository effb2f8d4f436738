import type { Principal } from './principal';

/** Tokens remembered at most; beyond, the oldest verification is dropped. */
const MAX_REMEMBERED = 10_000;

/**
 * Memory the remembered tokens may take at most, counted as each token's
 * length plus ENTRY_OVERHEAD_BYTES; beyond, the oldest are dropped. Headers
 * may be 16 KiB: 10,000 crafted tokens counted only by number took 500 MB.
 */
const MAX_REMEMBERED_BYTES = 4 * 1024 * 1024;

/** The map entry, the principal and its roles array, generously. */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * A token longer than this is verified on every request, never remembered:
 * real ones are a few hundred bytes.
 */
const MAX_REMEMBERED_TOKEN_LENGTH = 4096;

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
  private bytes = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly capacity = MAX_REMEMBERED,
    private readonly capacityBytes = MAX_REMEMBERED_BYTES,
  ) {}

  /** What the remembered tokens count for against MAX_REMEMBERED_BYTES. */
  get size(): { tokens: number; bytes: number } {
    return { tokens: this.entries.size, bytes: this.bytes };
  }

  /** The principal of `token` while it is unexpired; undefined otherwise. */
  principalOf(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) {
      return undefined;
    }
    if (Math.floor(this.now() / 1000) >= entry.exp) {
      this.forget(token);
      return undefined;
    }
    return entry.principal;
  }

  /** Remembers a verified token until `exp`; returns its principal, frozen. */
  remember(token: string, principal: Principal, exp: number): Principal {
    // Shared by every request that sends the token: nobody may change it.
    const frozen = Object.freeze({
      ...principal,
      roles: Object.freeze([...principal.roles]) as Principal['roles'],
    });
    if (token.length > MAX_REMEMBERED_TOKEN_LENGTH) {
      return frozen;
    }
    this.forget(token);
    const cost = entryBytes(token);
    while (
      this.entries.size > 0 &&
      (this.entries.size >= this.capacity ||
        this.bytes + cost > this.capacityBytes)
    ) {
      this.forget(this.entries.keys().next().value!);
    }
    this.entries.set(token, { principal: frozen, exp });
    this.bytes += cost;
    return frozen;
  }

  private forget(token: string): void {
    if (this.entries.delete(token)) {
      this.bytes -= entryBytes(token);
    }
  }
}

function entryBytes(token: string): number {
  return token.length + ENTRY_OVERHEAD_BYTES;
}
