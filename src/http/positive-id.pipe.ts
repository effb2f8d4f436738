import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { ProblemCode } from './problem-details';
import { RequestRejected } from './request-rejected.exception';

/** Ids in paths are positive integers within the safe range; else 400. */
@Injectable()
export class PositiveIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^[1-9]\d{0,15}$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(id)) {
      throw new RequestRejected(
        HttpStatus.BAD_REQUEST,
        ProblemCode.ValidationFailed,
        'ids in paths are positive integers',
      );
    }
    return id;
  }
}
