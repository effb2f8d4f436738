import {
  HttpStatus,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
} from '@nestjs/common';
import { FORBIDDEN_MEMBER_RULE, forbiddenMember } from './forbidden-members';
import { ProblemCode } from './problem-details';
import { RequestRejected } from './request-rejected.exception';

/**
 * DTOs are validated strictly: unknown fields refused, values transformed to
 * their declared types. A bad `amount` is INVALID_AMOUNT, anything else
 * VALIDATION_FAILED; the detail names fields and rules, never echoes values.
 */
export function strictValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
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

/**
 * ValidationPipe, never altering a request silently. In a value it validates
 * (a DTO: a body or a query), a member it would delete (see
 * forbiddenMember) is refused first; then every member the client sent must be on the DTO:
 * class-transformer silently skips one named like a method of
 * Object.prototype (`toString`, `valueOf`, …), at any depth, before
 * forbidNonWhitelisted can see it. Other values (path ids, the principal)
 * it passes on untouched, as ValidationPipe does.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(
    value: unknown,
    metadata: ArgumentMetadata,
  ): Promise<unknown> {
    if (!metadata.metatype || !this.toValidate(metadata)) {
      return super.transform(value, metadata);
    }
    const forbidden = forbiddenMember(value);
    if (forbidden !== null) {
      throw refusedMember(forbidden, FORBIDDEN_MEMBER_RULE);
    }
    const validated: unknown = await super.transform(value, metadata);
    const dropped = droppedMember(value, validated);
    if (dropped !== null) {
      throw refusedMember(dropped, 'whitelistValidation');
    }
    return validated;
  }
}

function refusedMember(path: string, rule: string): RequestRejected {
  return new RequestRejected(
    HttpStatus.BAD_REQUEST,
    ProblemCode.ValidationFailed,
    `${path}: ${rule}`,
  );
}

/** The path of the first member of `sent` that `kept` lacks, if any. */
function droppedMember(
  sent: unknown,
  kept: unknown,
  prefix = '',
): string | null {
  if (
    sent === kept ||
    typeof sent !== 'object' ||
    sent === null ||
    typeof kept !== 'object' ||
    kept === null
  ) {
    return null;
  }
  for (const [member, item] of Object.entries(sent)) {
    if (!Object.hasOwn(kept, member)) {
      return `${prefix}${member}`;
    }
    const inner = droppedMember(
      item,
      (kept as Record<string, unknown>)[member],
      `${prefix}${member}.`,
    );
    if (inner !== null) {
      return inner;
    }
  }
  return null;
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
