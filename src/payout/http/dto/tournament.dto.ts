import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsObject,
  IsInt,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  ID_SCHEMA,
  IdField,
  INT64_SCHEMA,
  SafeIntegerField,
} from '../../../http/safe-integer-field.decorator';

/** Coins a tournament pays for a placement or for taking part: 0 for none. */
const Coins = (example: number) =>
  SafeIntegerField(0, { description: 'whole coins', example });

export class PrizesDto {
  @Coins(500)
  WINNER!: number;

  @Coins(250)
  RUNNER_UP!: number;

  @Coins(100)
  TOP4!: number;
}

export class CreateTournamentDto {
  @ApiProperty({
    example: 'Winter Cup',
    minLength: 1,
    maxLength: 200,
    description:
      '1 to 200 UTF-16 code units (a character beyond U+FFFF counts as 2)',
  })
  @IsString()
  @Length(1, 200)
  name!: string;

  @Coins(10)
  participationCoins!: number;

  @ApiProperty({ type: PrizesDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PrizesDto)
  prizes!: PrizesDto;
}

export class RegisterDto {
  @IdField({ description: 'the profile to register', example: 12 })
  profileId!: number;
}

export class PlacementsDto {
  @IdField({ description: 'registration id', example: 1 })
  WINNER!: number;

  @IdField({ description: 'registration id', example: 2 })
  RUNNER_UP!: number;

  @ApiProperty({
    type: 'array',
    items: ID_SCHEMA,
    maxItems: 2,
    uniqueItems: true,
    description:
      'up to two registration ids; no registration holds two placements',
    example: [3, 4],
  })
  @IsArray()
  @ArrayMaxSize(2)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(Number.MAX_SAFE_INTEGER, { each: true })
  TOP4!: number[];
}

export class CreatedResponse {
  @ApiProperty(INT64_SCHEMA) id!: number;
  @ApiProperty() status!: string;
}

export class PrizeResponse {
  @ApiProperty(INT64_SCHEMA) id!: number;
  @ApiProperty(INT64_SCHEMA) tournamentId!: number;
  @ApiProperty(INT64_SCHEMA) registrationId!: number;
  @ApiProperty({ enum: ['PARTICIPATION', 'WINNER', 'RUNNER_UP', 'TOP4'] })
  placement!: string;
  @ApiProperty(INT64_SCHEMA) coins!: number;
  @ApiProperty(INT64_SCHEMA) walletTransactionId!: number;
  @ApiProperty() createdAt!: Date;
}

export class RegistrationResponse {
  @ApiProperty(INT64_SCHEMA) id!: number;
  @ApiProperty(INT64_SCHEMA) tournamentId!: number;
  @ApiProperty(INT64_SCHEMA) profileId!: number;
  @ApiProperty() status!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  paymentVerifiedAt!: Date | null;
  @ApiProperty({ type: PrizeResponse, nullable: true })
  participation!: PrizeResponse | null;
}
