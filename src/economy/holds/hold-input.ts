import {
  requireAmount,
  requireInteger,
  requireMeta,
  requireProfileId,
  type ProfileRef,
} from '../domain/movement-input';
import { InvalidRequest } from '../economy.errors';
import { claimFor } from '../idempotency/key-claims';
import type { HoldInput } from './hold-book';
import {
  DEFAULT_HOLD_SECONDS,
  HOLD_REASONS,
  MAX_HOLD_SECONDS,
  type HoldOptions,
  type HoldReason,
} from './hold.types';

/** A hold's arguments, validated before anything is written. */
export function holdInput(
  profile: ProfileRef,
  amount: number,
  options: HoldOptions,
): HoldInput {
  const profileId = requireProfileId(profile);
  const checkedAmount = requireAmount(amount);
  const reason = requireHoldReason(options.reason);
  const expiresInSeconds = requireInteger(
    'expiresInSeconds',
    options.expiresInSeconds ?? DEFAULT_HOLD_SECONDS,
    1,
    MAX_HOLD_SECONDS,
  );
  return {
    profileId,
    amount: checkedAmount,
    reason,
    expiresInSeconds,
    meta: requireMeta(options.meta),
    claim: claimFor(options, 'HOLD', {
      profileId,
      amount: checkedAmount,
      reason,
      expiresInSeconds,
    }),
  };
}

/** A hold's id, or a capture's amount when given. */
export function requireHoldId(holdId: unknown): number {
  return requireInteger('hold id', holdId, 1, Number.MAX_SAFE_INTEGER);
}

function requireHoldReason(reason: unknown): HoldReason {
  if (!(HOLD_REASONS as readonly unknown[]).includes(reason)) {
    throw new InvalidRequest(
      `a hold's reason is one of ${HOLD_REASONS.join(', ')}`,
    );
  }
  return reason as HoldReason;
}
