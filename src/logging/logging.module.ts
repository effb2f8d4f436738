import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';

/**
 * nestjs-pino over the server's root logger: its `Logger` is the app's
 * logger (main.ts), and every line a request's work writes through Nest's
 * `Logger` carries the request's `reqId` (pino-http's child logger, which
 * binds only the id). pino-http writes no line of its own: request-logging.ts
 * writes the request lines.
 */
@Module({})
export class LoggingModule {
  static forRoot(root: Pino): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: root,
            autoLogging: false,
            quietReqLogger: true,
            // pino-http also binds the whole request to a logger that nothing
            // here writes with: as its id alone, no URL or header value is
            // ever even read into a log.
            wrapSerializers: false,
            serializers: { req: (req: { id: string }) => ({ id: req.id }) },
          },
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        }),
      ],
    };
  }
}
