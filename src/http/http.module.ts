import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ProblemDetailsFilter } from './problem-details.filter';
import { strictValidationPipe } from './validation';

/** The HTTP edge shared by every controller: validation and errors. */
@Module({
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useFactory: strictValidationPipe },
  ],
})
export class HttpModule {}
