import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { durationSeconds } from '../../src/common/duration';
import {
  DEFAULT_JWT_MAX_TTL,
  DEFAULT_PLAYER_REQUESTS_PER_MINUTE,
} from '../../src/config/environment';
import { AppModule } from '../../src/app.module';
import { startHttpApp } from '../support/http-test-app';
import {
  createTestDatabase,
  type TestDatabase,
} from '../support/test-database';

describe('GET /health', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    database = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          database: { url: database.url },
          auth: {
            secret: 'h'.repeat(40),
            playerRequestsPerMinute: DEFAULT_PLAYER_REQUESTS_PER_MINUTE,
            maxTokenTtlSeconds: durationSeconds(DEFAULT_JWT_MAX_TTL),
          },
          promo: { secret: 'p'.repeat(40) },
        }),
      ],
    }).compile();
    app = await startHttpApp(moduleRef);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await app.close();
  });

  it('answers 200 when the database answers', async () => {
    const response = await request(app.getHttpServer()).get('/health');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
    });
  });

  it('answers 503 when the database is gone', async () => {
    // The pool reports its connections being cut; expected here.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await database.drop();
    const response = await request(app.getHttpServer()).get('/health');
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toMatch(
      /^application\/problem\+json/,
    );
    expect(JSON.parse(response.text)).toMatchObject({
      status: 503,
      code: 'INTERNAL',
      checks: { database: { status: 'down' } },
    });
  });
});
