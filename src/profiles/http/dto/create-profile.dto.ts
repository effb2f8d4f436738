import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { INT64_SCHEMA } from '../../../http/safe-integer-field.decorator';

const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;

export class CreateProfileDto {
  @ApiProperty({
    example: 'nova_07',
    pattern: USERNAME_PATTERN.source,
    minLength: 3,
    maxLength: 32,
  })
  @IsString()
  @Matches(USERNAME_PATTERN)
  username!: string;

  @ApiProperty({
    example: 'nova@example.com',
    format: 'email',
    maxLength: 254,
  })
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email!: string;
}

export class ProfileResponse {
  @ApiProperty(INT64_SCHEMA) id!: number;
  @ApiProperty() username!: string;
}
