import { DynamicModule, Module } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { SqlDatabase } from '../database/sql-database';
import { JWT_ALGORITHM } from './access-token';
import { JwtAuthGuard, MAX_TOKEN_TTL } from './jwt-auth.guard';
import { PlayerRateLimitGuard } from './player-rate-limit.guard';
import { RolesGuard } from './roles.guard';
import { SharedThrottlerStorage } from './shared-throttler-storage';

export interface AuthOptions {
  /** The HS256 secret that signs and verifies access tokens. */
  secret: string;
  /** Requests a minute one player may make; 0 for no limit. */
  playerRequestsPerMinute: number;
  /** The longest life, in seconds, of a token the server accepts (JWT_MAX_TTL). */
  maxTokenTtlSeconds: number;
}

/**
 * On every HTTP route, in this order: bearer-token authentication, role
 * checks, and the per-player request limit.
 */
@Module({})
export class AuthModule {
  static forRoot({
    secret,
    playerRequestsPerMinute,
    maxTokenTtlSeconds,
  }: AuthOptions): DynamicModule {
    const key = createSecretKey(Buffer.from(secret, 'utf8'));
    const limited = playerRequestsPerMinute > 0;
    return {
      module: AuthModule,
      imports: [
        JwtModule.register({
          // jsonwebtoken turns a string secret into a key on every call, first
          // trying to read it as a public key; a KeyObject made once skips
          // that (docs/decisions.md, "Token verification").
          secretOrKeyProvider: () => key,
          signOptions: { algorithm: JWT_ALGORITHM },
          verifyOptions: { algorithms: [JWT_ALGORITHM] },
        }),
        ...(limited
          ? [
              ThrottlerModule.forRootAsync({
                inject: [SqlDatabase],
                useFactory: (database: SqlDatabase) => ({
                  // A sliding minute: at most `limit` requests in any 60 s,
                  // refused ones not counted (no lockout, which the default
                  // block of a whole `ttl` would be). The guard sets
                  // Retry-After itself: the X-RateLimit-Reset header would
                  // count from a fixed window, and disagree with it.
                  throttlers: [
                    {
                      ttl: 60_000,
                      limit: playerRequestsPerMinute,
                      blockDuration: 0,
                    },
                  ],
                  setHeaders: false,
                  // Counted in PostgreSQL: every instance, one limit.
                  storage: new SharedThrottlerStorage(database),
                }),
              }),
            ]
          : []),
      ],
      providers: [
        { provide: MAX_TOKEN_TTL, useValue: maxTokenTtlSeconds },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
        ...(limited
          ? [{ provide: APP_GUARD, useClass: PlayerRateLimitGuard }]
          : []),
      ],
      exports: [JwtModule],
    };
  }
}
