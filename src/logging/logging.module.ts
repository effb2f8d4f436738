import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';

/**
 * nestjs-pino over the server's root logger: its `Logger` is the app's
 * logger (main.ts). Its per-request middleware is mounted on no route:
 * scopeRequestLogs binds each request's scope instead, and
 * request-logging.ts writes the request lines.
 */
@Module({})
export class LoggingModule {
  static forRoot(root: Pino): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({ pinoHttp: { logger: root }, forRoutes: [] }),
      ],
    };
  }
}
