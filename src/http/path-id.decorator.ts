import {
  createParamDecorator,
  HttpStatus,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { canonicalId } from '../economy/domain/safe-integer';
import { ProblemCode } from './problem-details';
import { RequestRejected } from './request-rejected.exception';

/**
 * A path id, read from the raw path: a positive integer written canonically
 * (no sign, no leading zero, no exponent, no spaces) within the safe range;
 * anything else is 400. Read raw on purpose: the global ValidationPipe would
 * first turn "0x1" or "1e0" into 1.
 */
export const PathId = createParamDecorator(
  (name: string, context: ExecutionContext): number => {
    const id = canonicalId(
      context
        .switchToHttp()
        .getRequest<FastifyRequest<{ Params: Record<string, string> }>>()
        .params[name],
    );
    if (id === null) {
      throw new RequestRejected(
        HttpStatus.BAD_REQUEST,
        ProblemCode.ValidationFailed,
        'ids in paths are positive integers',
      );
    }
    return id;
  },
);
