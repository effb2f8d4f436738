import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { CallableBy } from '../../auth/auth.decorators';
import { ApiProblems } from '../../http/api-problems.decorator';
import { CreateProfileDto, ProfileResponse } from './dto/create-profile.dto';
import { ProfilesService } from '../profiles.service';

@ApiTags('profiles')
@Controller('profiles')
export class ProfilesController {
  constructor(private readonly profiles: ProfilesService) {}

  @Post()
  @CallableBy('Create a profile', { roles: ['service', 'admin'] })
  @ApiCreatedResponse({ type: ProfileResponse })
  @ApiProblems(400, 409, 413, 415)
  async create(@Body() body: CreateProfileDto): Promise<ProfileResponse> {
    const profile = await this.profiles.create(body.username, body.email);
    return { id: profile.id, username: profile.username };
  }
}
