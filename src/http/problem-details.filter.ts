import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  EconomyError,
  EconomyErrorCode,
  UnknownProfile,
} from '../economy/errors/economy.errors';
import { PayoutError, PayoutErrorCode } from '../payout/payout.errors';
import { ProfileTaken } from '../profiles/profile.errors';
import { allowedMethods } from './allowed-methods';
import { problem, ProblemCode, type ProblemDetails } from './problem-details';
import { API_SECURITY_HEADERS } from './security-headers';
import { RequestRejected } from './request-rejected.exception';

const PAYOUT_PROBLEMS: Record<
  PayoutErrorCode,
  { status: number; code: ProblemCode }
> = {
  [PayoutErrorCode.TournamentNotFound]: {
    status: 404,
    code: ProblemCode.NotFound,
  },
  [PayoutErrorCode.RegistrationNotFound]: {
    status: 404,
    code: ProblemCode.NotFound,
  },
  [PayoutErrorCode.InvalidPlacements]: {
    status: 400,
    code: ProblemCode.ValidationFailed,
  },
  [PayoutErrorCode.RegistrationNotVerified]: {
    status: 422,
    code: ProblemCode.RegistrationNotVerified,
  },
  [PayoutErrorCode.TournamentNotCompleted]: {
    status: 422,
    code: ProblemCode.TournamentNotCompleted,
  },
  [PayoutErrorCode.TournamentClosed]: {
    status: 422,
    code: ProblemCode.TournamentClosed,
  },
  [PayoutErrorCode.AlreadyRegistered]: {
    status: 409,
    code: ProblemCode.AlreadyRegistered,
  },
  [PayoutErrorCode.PrizeAlreadyRecorded]: {
    status: 409,
    code: ProblemCode.PrizeAlreadyRecorded,
  },
};

/** The one mapping from a domain error to an HTTP problem. */
const ECONOMY_PROBLEMS: Record<
  EconomyErrorCode,
  { status: number; code: ProblemCode }
> = {
  [EconomyErrorCode.InvalidAmount]: {
    status: 400,
    code: ProblemCode.InvalidAmount,
  },
  [EconomyErrorCode.ValidationFailed]: {
    status: 400,
    code: ProblemCode.ValidationFailed,
  },
  [EconomyErrorCode.InsufficientFunds]: {
    status: 422,
    code: ProblemCode.InsufficientFunds,
  },
  [EconomyErrorCode.InvalidWallet]: {
    status: 422,
    code: ProblemCode.InvalidWallet,
  },
  [EconomyErrorCode.IdempotencyConflict]: {
    status: 409,
    code: ProblemCode.IdempotencyConflict,
  },
  [EconomyErrorCode.LedgerInconsistent]: {
    status: 500,
    code: ProblemCode.Internal,
  },
};

const HTTP_PROBLEMS: Record<number, ProblemCode> = {
  400: ProblemCode.ValidationFailed,
  401: ProblemCode.Unauthorized,
  403: ProblemCode.Forbidden,
  404: ProblemCode.NotFound,
  409: ProblemCode.IdempotencyConflict,
  413: ProblemCode.ValidationFailed,
  415: ProblemCode.ValidationFailed,
};

/**
 * Every error leaves as application/problem+json (RFC 9457). Services throw
 * domain errors; this is the only place that turns them into HTTP. A 500
 * says nothing of its cause (no stack, no SQL); the log keeps the cause.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    replyWithProblem(host.switchToHttp().getResponse<FastifyReply>(), error);
  }
}

const logger = new Logger('HTTP');

/**
 * Answers `error` as its problem. Also serves the errors Fastify answers
 * before any route (and so any filter) runs.
 */
export function replyWithProblem(reply: FastifyReply, error: unknown): void {
  const allowed =
    error instanceof NotFoundException
      ? allowedMethods(reply.request.server, reply.request.url)
      : [];
  const body =
    allowed.length > 0
      ? problem(
          405,
          ProblemCode.MethodNotAllowed,
          `this resource takes ${allowed.join(', ')}`,
        )
      : toProblem(error);
  if (allowed.length > 0) {
    void reply.header('Allow', allowed.join(', '));
  }
  void reply
    // Also on answers given before any hook ran (a URL the router refused).
    .headers(API_SECURITY_HEADERS)
    .status(body.status)
    .type('application/problem+json')
    .send(JSON.stringify(body));
}

function toProblem(error: unknown): ProblemDetails & { checks?: unknown } {
  if (error instanceof ProfileTaken) {
    return problem(409, ProblemCode.ValidationFailed, error.message);
  }
  if (error instanceof PayoutError) {
    const { status, code } = PAYOUT_PROBLEMS[error.code];
    return problem(status, code, error.message);
  }
  if (error instanceof UnknownProfile) {
    return problem(404, ProblemCode.NotFound, error.message);
  }
  if (error instanceof EconomyError) {
    const { status, code } = ECONOMY_PROBLEMS[error.code];
    if (status < 500) {
      return problem(status, code, error.message);
    }
  }
  if (error instanceof RequestRejected) {
    return problem(error.getStatus(), error.code, error.message);
  }
  if (error instanceof ServiceUnavailableException) {
    // The health check's own report (component names and up/down) rides
    // along as an extension member.
    const report = error.getResponse() as { error?: unknown };
    return {
      ...problem(503, ProblemCode.Internal, 'a dependency is unavailable'),
      checks: report.error ?? {},
    };
  }
  const clientFault = fastifyClientError(error);
  if (clientFault !== null) {
    return problem(
      clientFault,
      HTTP_PROBLEMS[clientFault] ?? ProblemCode.ValidationFailed,
      'the request could not be read',
    );
  }
  if (error instanceof HttpException && error.getStatus() < 500) {
    const status = error.getStatus();
    // Nest's own 404 quotes the URL, query included: say less. Fastify's
    // refusals (too large, bad Content-Length) reach here as HttpException.
    return problem(
      status,
      HTTP_PROBLEMS[status] ?? ProblemCode.ValidationFailed,
      status === 404 ? 'no such resource' : error.message,
    );
  }
  logger.error(
    `unhandled ${error instanceof Error ? error.name : typeof error}: ${
      error instanceof Error ? error.message : String(error)
    }`,
  );
  return problem(
    HttpStatus.INTERNAL_SERVER_ERROR,
    ProblemCode.Internal,
    'the request could not be completed',
  );
}

/**
 * The status of an error Fastify raised on the client's account while it
 * read the request (a body cut short when the client went away), or null.
 */
function fastifyClientError(error: unknown): number | null {
  if (
    error instanceof HttpException ||
    typeof error !== 'object' ||
    error === null
  ) {
    return null;
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500
    ? status
    : null;
}
