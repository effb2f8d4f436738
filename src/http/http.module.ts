import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { JsonBodyMiddleware } from './json-body.middleware';
import { ProblemDetailsFilter } from './problem-details.filter';
import { RequestLoggingMiddleware } from './request-logging.middleware';
import { strictValidationPipe } from './validation';

/** The HTTP edge shared by every controller: bodies, validation, errors, logs. */
@Module({
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useFactory: strictValidationPipe },
  ],
})
export class HttpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLoggingMiddleware, JsonBodyMiddleware).forRoutes('*');
  }
}
