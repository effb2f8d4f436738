import { DomainError } from '../common/domain-error';

/** A username or email that another profile holds (which, is not said). */
export class ProfileTaken extends DomainError {
  readonly code = 'PROFILE_TAKEN';
}
