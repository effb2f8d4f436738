/**
 * Base of every error a module raises on purpose. Its `code` is stable: the
 * edges map it, once each, to an HTTP problem (each module's ProblemTable)
 * and to a CLI exit code. Messages carry ids only, never personal data.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** Seconds to wait before trying again, when the refusal says (a rate limit). */
  readonly retryAfterSeconds?: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** How HTTP answers an error code: its status, and the public code when it is not the error's own. */
export interface ProblemAnswer {
  status: number;
  code?: string;
  /** For a refusal that passes (503 BUSY): the Retry-After header's seconds. */
  retryAfterSeconds?: number;
}

/** A module's answers to each of its error codes, owned by the module. */
export type ProblemTable<Code extends string = string> = Readonly<
  Record<Code, ProblemAnswer>
>;
