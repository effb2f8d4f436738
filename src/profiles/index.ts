export { ProfilesModule } from './profiles.module';
export { ProfilesHttpModule } from './http/profiles-http.module';
export { PROFILE_PROBLEMS } from './http/profile-problems';
export { ProfilesService } from './profiles.service';
export { Profile } from './profile.entity';
export { ProfileTaken } from './profile.errors';

import { Profile } from './profile.entity';

/** The tables profiles own, for a DataSource built outside Nest (tests). */
export const PROFILE_ENTITIES = [Profile];
