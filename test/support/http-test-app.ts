import type { LoggerService } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import type { Role } from '../../src/auth/access-token';
import { Profile } from '../../src/economy/entities';
import {
  configureHttpApp,
  createHttpAdapter,
  HTTP_APP_OPTIONS,
} from '../../src/http/http-app';
import { createTestDatabase, type TestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-'.padEnd(48, 'x');

export interface HttpTestApp {
  app: NestFastifyApplication;
  dataSource: DataSource;
  database: TestDatabase;
  token(profileId: number, roles: Role[], expiresIn?: number): string;
  createProfile(): Promise<Profile>;
  close(): Promise<void>;
}

let sequence = 0;

/** The real application (every module, guard, pipe and filter) on its own database. */
export async function createHttpTestApp(
  options: { logger?: LoggerService | false; requestLogs?: boolean } = {},
): Promise<HttpTestApp> {
  const database = await createTestDatabase();
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        database: { url: database.url, poolSize: 20 },
        jwtSecret: TEST_JWT_SECRET,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createHttpAdapter(),
    { ...HTTP_APP_OPTIONS, logger: options.logger ?? false },
  );
  configureHttpApp(app, { requestLogs: options.requestLogs ?? true });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
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
      await database.drop();
    },
  };
}
