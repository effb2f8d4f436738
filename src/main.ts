import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadEnvironment } from './config/environment';
import { openDatabaseServer } from './database/database-server';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  const environment = loadEnvironment();
  const database = await openDatabaseServer(environment, (message) =>
    logger.log(message),
  );
  const app = await NestFactory.create(
    AppModule.forRoot({
      url: database.url,
      poolSize: environment.DATABASE_POOL_SIZE,
      migrationsRun: true,
    }),
    { logger: logLevelsFrom(environment.LOG_LEVEL) },
  );
  const shutdown = async (signal: string) => {
    logger.log(`${signal} received, shutting down`);
    await app.close();
    await database.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen(environment.PORT);
  logger.log(`DeltaCrown Economy listening on port ${environment.PORT}`);
}

function logLevelsFrom(level: string) {
  const levels = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
  return levels.slice(0, levels.indexOf(level as (typeof levels)[number]) + 1);
}

bootstrap().catch((error: unknown) => {
  new Logger('Bootstrap').error(
    error instanceof Error ? error.message : String(error),
  );
  process.exit(1);
});
