import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';

export class CreateProfileDto {
  @ApiProperty({ example: 'nova_07', pattern: '^[A-Za-z0-9_.-]{3,32}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{3,32}$/)
  username!: string;

  @ApiProperty({ example: 'nova@example.com', maxLength: 254 })
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email!: string;
}

export class ProfileResponse {
  @ApiProperty() id!: number;
  @ApiProperty() username!: string;
}
