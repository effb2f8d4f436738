import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as AppLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { durationSeconds } from './common/duration';
import { resolveJwtSecret } from './auth/jwt-secret';
import { resolvePromoSecret } from './promo';
import { loadEnvironment } from './config/environment';
import { logLevelsUpTo } from './config/log-levels';
import {
  openDatabaseServer,
  type DatabaseServer,
} from './database/database-server';
import { canAlterLedger } from './database/ledger-alterable';
import { runMigrations } from './database/run-migrations';
import { poolOf } from './database/sql-database';
import { bootstrapLogger } from './logging/bootstrap-logger';
import { serverLogs } from './logging/log-output';
import { scopeRequestLogs } from './logging/request-scope';
import { serveMetrics, type MetricsServer } from './metrics/metrics-server';
import {
  configureHttpApp,
  createHttpAdapter,
  HTTP_APP_OPTIONS,
  httpLimitsOf,
} from './http/http-app';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function bootstrap(): Promise<void> {
  // The default level and format until the configuration is read (and for
  // its refusal).
  Logger.overrideLogger(bootstrapLogger(serverLogs({ LOG_LEVEL: 'log' })));
  const environment = loadEnvironment();
  const logLevels = logLevelsUpTo(environment.LOG_LEVEL);
  const logs = serverLogs(environment);
  Logger.overrideLogger(bootstrapLogger(logs));
  const logger = new Logger('Bootstrap');
  let database: DatabaseServer | undefined;
  try {
    database = await openDatabaseServer(environment, (message) =>
      logger.log(message),
    );
    await runMigrations(database.migrationUrl);
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({
        database: {
          url: database.url,
          poolSize: environment.DATABASE_POOL_SIZE,
          bounds: {
            lockWaitMs: environment.DATABASE_LOCK_WAIT_MS,
            statementMs: environment.DATABASE_STATEMENT_MS,
            poolWaitMs: environment.DATABASE_POOL_WAIT_MS,
          },
        },
        auth: {
          secret: await resolveJwtSecret(environment),
          playerRequestsPerMinute: environment.PLAYER_REQUESTS_PER_MINUTE,
          maxTokenTtlSeconds: durationSeconds(environment.JWT_MAX_TTL),
        },
        promo: { secret: await resolvePromoSecret(environment) },
        logs,
      }),
      createHttpAdapter(httpLimitsOf(environment)),
      { ...HTTP_APP_OPTIONS, bufferLogs: true },
    );
    // Every line from here on (Nest's buffered ones too) through `logs`,
    // each request's with its id.
    app.useLogger(app.get(AppLogger));
    configureHttpApp(app, logLevels);
    scopeRequestLogs(app.getHttpAdapter().getInstance(), logs);
    if (await canAlterLedger(app.get(DataSource))) {
      logger.warn(
        "DATABASE_URL's role can alter the ledger's tables (it owns them or is a superuser), so their triggers hold only as long as the code behaves: give the service a role of its own (README, Database roles)",
      );
    }
    const server = database;
    let metrics: MetricsServer | null = null;
    // Stop taking requests and close the pool first, then the database. A
    // request that never completes must not hold the process forever.
    const shutdown = async (signal: string) => {
      logger.log(`${signal} received, shutting down`);
      setTimeout(() => {
        logger.error('shutdown took too long; stopping the database anyway');
        void server.stop().finally(() => process.exit(1));
      }, SHUTDOWN_DEADLINE_MS).unref();
      await metrics?.close();
      await app.close();
      await server.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    // Every interface, as a service behind a load balancer expects.
    await app.listen(environment.PORT, '0.0.0.0');
    logger.log(`DeltaCrown Economy listening on port ${environment.PORT}`);
    metrics = await serveMetrics(
      { port: environment.METRICS_PORT, host: environment.METRICS_HOST },
      poolOf(app.get(DataSource)),
    );
    logger.log(
      metrics === null
        ? 'no metrics server (METRICS_PORT=0)'
        : `metrics at ${metrics.url}`,
    );
  } catch (error) {
    await database?.stop();
    throw error;
  }
}

bootstrap().catch((error: unknown) => {
  new Logger('Bootstrap').error(
    error instanceof Error ? error.message : String(error),
  );
  process.exit(1);
});
