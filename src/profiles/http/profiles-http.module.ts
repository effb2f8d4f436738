import { Module } from '@nestjs/common';
import { ProfilesModule } from '../profiles.module';
import { ProfilesController } from './profiles.controller';

/** Profiles over HTTP: POST /profiles. */
@Module({
  imports: [ProfilesModule],
  controllers: [ProfilesController],
})
export class ProfilesHttpModule {}
