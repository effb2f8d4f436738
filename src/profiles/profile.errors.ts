/** A username or email that another profile holds (which, is not said). */
export class ProfileTaken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileTaken';
  }
}
