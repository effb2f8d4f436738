import {
  createParamDecorator,
  HttpStatus,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { canonicalId } from '../common/safe-integer';
import { ID_SCHEMA } from './safe-integer-field.decorator';
import { ProblemCode } from './problem-details';
import { RequestRejected } from './request-rejected.exception';

/**
 * A path id, read from the raw path: a positive integer written canonically
 * (no sign, no leading zero, no exponent, no spaces) within the safe range;
 * anything else is 400. Read raw on purpose: the global ValidationPipe would
 * first turn "0x1" or "1e0" into 1.
 */
const readPathId = createParamDecorator(
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

/**
 * The path id `name` (see readPathId), documented in OpenAPI on the
 * operation that reads it, as the integer it must be.
 */
export function PathId(name: string, description: string): ParameterDecorator {
  return (target, method, index) => {
    readPathId(name)(target, method, index);
    // A parameter of a route handler: `method` names it.
    ApiParam({ name, description, schema: ID_SCHEMA })(
      target,
      method!,
      Object.getOwnPropertyDescriptor(target, method!)!,
    );
  };
}
