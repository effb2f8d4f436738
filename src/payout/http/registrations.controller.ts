import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallableBy } from '../../auth/auth.decorators';
import { ApiProblems } from '../../http/api-problems.decorator';
import { PathId } from '../../http/path-id.decorator';
import { TournamentsService } from '../tournaments.service';
import { RegistrationResponse } from './dto/tournament.dto';

@ApiTags('tournaments')
@Controller('registrations')
export class RegistrationsController {
  constructor(private readonly tournaments: TournamentsService) {}

  /** Verifies the payment and pays participation at once. */
  @Post(':id/verify-payment')
  @HttpCode(200)
  @CallableBy('Verify the payment of a registration and pay participation', {
    roles: ['service', 'admin'],
  })
  @ApiOkResponse({ type: RegistrationResponse })
  @ApiProblems(400, 404, 409, 413, 415, 422)
  async verifyPayment(
    @PathId('id', 'a registration id') id: number,
  ): Promise<RegistrationResponse> {
    const { registration, participation } =
      await this.tournaments.verifyPayment(id);
    return {
      id: registration.id,
      tournamentId: registration.tournamentId,
      profileId: registration.profileId,
      status: registration.status,
      paymentVerifiedAt: registration.paymentVerifiedAt,
      participation,
    };
  }
}
