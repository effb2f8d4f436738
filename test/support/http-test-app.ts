import type { LoggerService, LogLevel } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Test, type TestingModule } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import type { Role } from '../../src/auth/access-token';
import { durationSeconds } from '../../src/common/duration';
import type { DatabaseModuleOptions } from '../../src/database/database.module';
import {
  DEFAULT_JWT_MAX_TTL,
  DEFAULT_PLAYER_REQUESTS_PER_MINUTE,
} from '../../src/config/environment';
import { logLevelsUpTo } from '../../src/config/log-levels';
import { Profile } from '../../src/profiles';
import {
  configureHttpApp,
  createHttpAdapter,
  HTTP_APP_OPTIONS,
  type HttpLimits,
} from '../../src/http/http-app';
import { createTestDatabase, type TestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-'.padEnd(48, 'x');
export const TEST_PROMO_SECRET = 'test-promo-secret-'.padEnd(48, 'y');

export interface HttpTestApp {
  app: NestFastifyApplication;
  dataSource: DataSource;
  database: TestDatabase;
  token(profileId: number, roles: Role[], expiresIn?: number): string;
  createProfile(): Promise<Profile>;
  close(): Promise<void>;
}

let sequence = 0;

/**
 * `moduleRef` as an HTTP app set up as the server sets its own up, ready for
 * requests (by default every log level is on, request lines included).
 */
export async function startHttpApp(
  moduleRef: TestingModule,
  logger: LoggerService | false = false,
  logLevels: LogLevel[] = logLevelsUpTo('verbose'),
  limits?: HttpLimits,
): Promise<NestFastifyApplication> {
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createHttpAdapter(limits),
    { ...HTTP_APP_OPTIONS, logger },
  );
  configureHttpApp(app, logLevels);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** The real application (every module, guard, pipe and filter) on its own database. */
export async function createHttpTestApp(
  options: {
    logger?: LoggerService | false;
    logLevels?: LogLevel[];
    playerRequestsPerMinute?: number;
    httpLimits?: HttpLimits;
    /** The pool's size and bounds, when not the default 20 unbounded. */
    database?: Omit<DatabaseModuleOptions, 'url'>;
    /** Another app's database: a second instance, which leaves it in place at close. */
    shared?: TestDatabase;
  } = {},
): Promise<HttpTestApp> {
  const database = options.shared ?? (await createTestDatabase());
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        database: { poolSize: 20, ...options.database, url: database.url },
        auth: {
          secret: TEST_JWT_SECRET,
          playerRequestsPerMinute:
            options.playerRequestsPerMinute ??
            DEFAULT_PLAYER_REQUESTS_PER_MINUTE,
          maxTokenTtlSeconds: durationSeconds(DEFAULT_JWT_MAX_TTL),
        },
        promo: { secret: TEST_PROMO_SECRET },
      }),
    ],
  }).compile();
  const app = await startHttpApp(
    moduleRef,
    options.logger,
    options.logLevels,
    options.httpLimits,
  );
  const dataSource = app.get(DataSource);
  const jwt = new JwtService({ secret: TEST_JWT_SECRET });
  return {
    app,
    dataSource,
    database,
    token: (profileId, roles, expiresIn = 300) =>
      jwt.sign({ sub: String(profileId), roles }, { expiresIn }),
    createProfile: () => {
      sequence += 1;
      const tag = `${process.pid}-${sequence}`;
      return dataSource.getRepository(Profile).save({
        username: `http-player-${tag}`,
        email: `http-player-${tag}@example.test`,
      });
    },
    close: async () => {
      await app.close();
      if (!options.shared) {
        await database.drop();
      }
    },
  };
}
