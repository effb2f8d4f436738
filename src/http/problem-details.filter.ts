import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Inject,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  DomainError,
  type ProblemAnswer,
  type ProblemTable,
} from '../common/domain-error';
import { unavailableErrorOf } from '../database/database.errors';
import { allowedMethods } from './allowed-methods';
import { problem, ProblemCode, type ProblemDetails } from './problem-details';
import { API_SECURITY_HEADERS } from './security-headers';
import { RequestRejected } from './request-rejected.exception';

/** Every module's ProblemTable, merged (see mergeProblemTables). */
export const PROBLEM_ANSWERS = Symbol('PROBLEM_ANSWERS');

export type ProblemAnswers = ReadonlyMap<string, ProblemAnswer>;

/** The modules' tables as one; a code two modules claim stops the app. */
export function mergeProblemTables(tables: ProblemTable[]): ProblemAnswers {
  const answers = new Map<string, ProblemAnswer>();
  for (const table of tables) {
    for (const [code, answer] of Object.entries(table)) {
      if (answers.has(code)) {
        throw new Error(`error code ${code} is claimed by two modules`);
      }
      answers.set(code, answer);
    }
  }
  return answers;
}

/** Nest's and Fastify's own refusals, by status. */
const HTTP_PROBLEMS: Record<number, ProblemCode> = {
  400: ProblemCode.ValidationFailed,
  401: ProblemCode.Unauthorized,
  403: ProblemCode.Forbidden,
  404: ProblemCode.NotFound,
  409: ProblemCode.Conflict,
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
  constructor(
    @Inject(PROBLEM_ANSWERS) private readonly answers: ProblemAnswers,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    replyWithProblem(
      host.switchToHttp().getResponse<FastifyReply>(),
      error,
      this.answers,
    );
  }
}

const logger = new Logger('HTTP');

/**
 * Answers `error` as its problem: a domain error as its module's table says,
 * an error of the edge as it says. Also serves the errors Fastify answers
 * before any route (and so any filter) runs, none of them a domain error.
 */
export function replyWithProblem(
  reply: FastifyReply,
  thrown: unknown,
  answers: ProblemAnswers = new Map(),
): void {
  // A database lost on a path that did not name it (a COMMIT, a TypeORM
  // query) is UNAVAILABLE all the same: "not done, retry", never a 500.
  const error =
    thrown instanceof DomainError
      ? thrown
      : (unavailableErrorOf(thrown) ?? thrown);
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
      : toProblem(error, answers);
  if (allowed.length > 0) {
    void reply.header('Allow', allowed.join(', '));
  }
  const retryAfter = retryAfterOf(error, answers);
  if (retryAfter !== undefined) {
    void reply.header('Retry-After', String(retryAfter));
  }
  void reply
    // Also on answers given before any hook ran (a URL the router refused).
    .headers(API_SECURITY_HEADERS)
    .status(body.status)
    .type('application/problem+json')
    .send(JSON.stringify(body));
}

function toProblem(
  error: unknown,
  answers: ProblemAnswers,
): ProblemDetails & { checks?: unknown } {
  if (error instanceof DomainError) {
    const answer = answers.get(error.code);
    // 503 is the one server status a domain error may answer: a bound
    // passed (BUSY), nothing written, worth trying again.
    if (
      answer !== undefined &&
      (answer.status < 500 || answer.status === 503)
    ) {
      return problem(answer.status, answer.code ?? error.code, error.message);
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

function retryAfterOf(
  error: unknown,
  answers: ProblemAnswers,
): number | undefined {
  if (!(error instanceof DomainError)) {
    return undefined;
  }
  // An error that knows its own wait (a rate limit) says it; else the table.
  return error.retryAfterSeconds ?? answers.get(error.code)?.retryAfterSeconds;
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
