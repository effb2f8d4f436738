import type { ProblemTable } from '../../common/domain-error';

/** How HTTP answers each profile error. */
export const PROFILE_PROBLEMS: ProblemTable<'PROFILE_TAKEN'> = {
  // A taken username or email has always been a validation failure here.
  PROFILE_TAKEN: { status: 409, code: 'VALIDATION_FAILED' },
};
