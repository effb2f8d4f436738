import { HttpException } from '@nestjs/common';
import { ProblemCode } from './problem-details';

/** A request refused at the HTTP edge (validation, headers), with its code. */
export class RequestRejected extends HttpException {
  constructor(
    status: number,
    readonly code: ProblemCode,
    detail: string,
  ) {
    super(detail, status);
  }
}
