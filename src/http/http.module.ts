import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { ProblemTable } from '../common/domain-error';
import {
  mergeProblemTables,
  PROBLEM_ANSWERS,
  ProblemDetailsFilter,
} from './problem-details.filter';
import { strictValidationPipe } from './validation';

/**
 * The HTTP edge shared by every controller: validation and errors, each
 * module's errors answered as its own ProblemTable says.
 */
@Module({})
export class HttpModule {
  static forRoot(problemTables: ProblemTable[]): DynamicModule {
    return {
      module: HttpModule,
      providers: [
        {
          provide: PROBLEM_ANSWERS,
          useValue: mergeProblemTables(problemTables),
        },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: strictValidationPipe },
      ],
    };
  }
}
