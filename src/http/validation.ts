import {
  HttpStatus,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { ProblemCode } from './problem-details';
import { RequestRejected } from './request-rejected.exception';

/**
 * DTOs are validated strictly: unknown fields refused, values transformed to
 * their declared types. A bad `amount` is INVALID_AMOUNT, anything else
 * VALIDATION_FAILED; the detail names fields and rules, never echoes values.
 */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => {
      const failures = flatten(errors);
      const code = failures.some((failure) => failure.startsWith('amount: '))
        ? ProblemCode.InvalidAmount
        : ProblemCode.ValidationFailed;
      return new RequestRejected(
        HttpStatus.BAD_REQUEST,
        code,
        failures.join('; ') || 'the request is malformed',
      );
    },
  });
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = `${prefix}${error.property}`;
    const own = Object.keys(error.constraints ?? {}).map(
      (rule) => `${path}: ${rule}`,
    );
    return [...own, ...flatten(error.children ?? [], `${path}.`)];
  });
}
