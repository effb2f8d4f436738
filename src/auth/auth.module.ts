import { DynamicModule, Module } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { JWT_ALGORITHM } from './access-token';
import { JwtAuthGuard } from './jwt-auth.guard';
import { RolesGuard } from './roles.guard';

/** Bearer-token authentication and role checks on every HTTP route. */
@Module({})
export class AuthModule {
  static forRoot(secret: string): DynamicModule {
    const key = createSecretKey(Buffer.from(secret, 'utf8'));
    return {
      module: AuthModule,
      imports: [
        JwtModule.register({
          // jsonwebtoken turns a string secret into a key on every call, first
          // trying (and failing) to read it as a public key: a third of the
          // CPU of a request. A KeyObject made once skips all of that.
          secretOrKeyProvider: () => key,
          signOptions: { algorithm: JWT_ALGORITHM },
          verifyOptions: { algorithms: [JWT_ALGORITHM] },
        }),
      ],
      providers: [
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
      ],
      exports: [JwtModule],
    };
  }
}
