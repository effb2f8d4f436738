import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Profile } from './profile.entity';
import { PostgresErrorCode, postgresErrorOf } from '../database/postgres-error';
import { ProfileTaken } from './profile.errors';

/** Profiles are the only home of personal data; logs name them by id. */
@Injectable()
export class ProfilesService {
  private readonly logger = new Logger(ProfilesService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(username: string, email: string): Promise<Profile> {
    try {
      const profile = await this.dataSource
        .getRepository(Profile)
        .save({ username, email: email.toLowerCase() });
      this.logger.log(`profile ${profile.id} created`);
      return profile;
    } catch (error) {
      if (postgresErrorOf(error).code === PostgresErrorCode.UniqueViolation) {
        throw new ProfileTaken('username or email already taken');
      }
      throw error;
    }
  }
}
