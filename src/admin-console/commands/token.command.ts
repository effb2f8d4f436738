import { Inject } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InvalidArgumentError } from 'commander';
import { Command, Help, Option } from 'nest-commander';
import {
  JWT_ALGORITHM,
  ROLES,
  type AccessTokenClaims,
  type Role,
} from '../../auth/access-token';
import { resolveJwtSecret } from '../../auth/jwt-secret';
import { durationSeconds } from '../../common/duration';
import type { Environment } from '../../config/environment';
import { AdminCommand } from '../admin-command';
import { parsePositiveInteger, parseTtl } from '../cli-options';
import { CliOutput } from '../cli-output';
import { CLI_ENVIRONMENT, LedgerSession } from '../ledger-session';

interface TokenOptions {
  profile: number;
  role: Role;
  ttl?: string;
}

@Command({
  name: 'token',
  description:
    'Print an access token (JWT, HS256) the server accepts, for operators and local use.',
})
export class TokenCommand extends AdminCommand {
  constructor(
    private readonly session: LedgerSession,
    private readonly output: CliOutput,
    @Inject(CLI_ENVIRONMENT) private readonly environment: Environment,
  ) {
    super();
  }

  async run(_: string[], options: TokenOptions): Promise<void> {
    // A player token names the player, who must exist. A service or admin
    // token names the caller, who need not be a player: the first operator of
    // a fresh install has no profile to name, and creates profiles with it.
    if (options.role === 'player') {
      const { wallets } = await this.session.open();
      await wallets.getWallet(options.profile);
    }
    const claims: AccessTokenClaims = {
      sub: String(options.profile),
      roles: [options.role],
    };
    const jwt = new JwtService({
      secret: await resolveJwtSecret(this.environment),
    });
    this.output.line(
      await jwt.signAsync(claims, {
        algorithm: JWT_ALGORITHM,
        expiresIn: durationSeconds(options.ttl ?? '1h'),
      }),
    );
  }

  @Help('after')
  details(): string {
    return `
Signed with JWT_SECRET, or else with the secret generated once under
DATA_DIR, which the server uses too. For --role player the profile must
exist. Prints the token only.

Exit codes: 0 done, 2 error.`;
  }
  @Option({
    flags: '--profile <id>',
    description:
      'the token subject: a profile id (a player), or the id of the calling service or operator',
    required: true,
  })
  parseProfile(value: string): number {
    return parsePositiveInteger(value);
  }

  @Option({
    flags: '--role <role>',
    description: `one of ${ROLES.join(', ')}`,
    required: true,
  })
  parseRole(value: string): Role {
    if (!(ROLES as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${ROLES.join(', ')}`);
    }
    return value as Role;
  }

  @Option({
    flags: '--ttl <duration>',
    description:
      'lifetime: 90s, 15m, 12h, 7d (default 1h), at most JWT_MAX_TTL (365d unless set)',
  })
  parseTtl(value: string): string {
    return parseTtl(value, this.environment.JWT_MAX_TTL);
  }
}
