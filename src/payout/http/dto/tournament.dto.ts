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

const MAX_COINS = Number.MAX_SAFE_INTEGER;

export class PrizesDto {
  @ApiProperty({ minimum: 0, example: 500 })
  @IsInt()
  @Min(0)
  @Max(MAX_COINS)
  WINNER!: number;

  @ApiProperty({ minimum: 0, example: 250 })
  @IsInt()
  @Min(0)
  @Max(MAX_COINS)
  RUNNER_UP!: number;

  @ApiProperty({ minimum: 0, example: 100 })
  @IsInt()
  @Min(0)
  @Max(MAX_COINS)
  TOP4!: number;
}

export class CreateTournamentDto {
  @ApiProperty({ example: 'Winter Cup' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ minimum: 0, example: 10 })
  @IsInt()
  @Min(0)
  @Max(MAX_COINS)
  participationCoins!: number;

  @ApiProperty({ type: PrizesDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PrizesDto)
  prizes!: PrizesDto;
}

export class RegisterDto {
  @ApiProperty({ example: 12 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  profileId!: number;
}

export class PlacementsDto {
  @ApiProperty({ description: 'registration id', example: 1 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  WINNER!: number;

  @ApiProperty({ description: 'registration id', example: 2 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  RUNNER_UP!: number;

  @ApiProperty({ type: [Number], description: 'up to two registration ids' })
  @IsArray()
  @ArrayMaxSize(2)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(Number.MAX_SAFE_INTEGER, { each: true })
  TOP4!: number[];
}

export class CreatedResponse {
  @ApiProperty() id!: number;
  @ApiProperty() status!: string;
}

export class PrizeResponse {
  @ApiProperty() id!: number;
  @ApiProperty() tournamentId!: number;
  @ApiProperty() registrationId!: number;
  @ApiProperty({ enum: ['PARTICIPATION', 'WINNER', 'RUNNER_UP', 'TOP4'] })
  placement!: string;
  @ApiProperty() coins!: number;
  @ApiProperty() walletTransactionId!: number;
  @ApiProperty() createdAt!: Date;
}

export class RegistrationResponse {
  @ApiProperty() id!: number;
  @ApiProperty() tournamentId!: number;
  @ApiProperty() profileId!: number;
  @ApiProperty() status!: string;
  @ApiProperty({ type: String, nullable: true })
  paymentVerifiedAt!: Date | null;
  @ApiProperty({ type: PrizeResponse, nullable: true })
  participation!: PrizeResponse | null;
}
