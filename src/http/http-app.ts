import type { LogLevel } from '@nestjs/common';
import {
  FastifyAdapter,
  type NestFastifyApplication,
} from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { loadEnvironment, type Environment } from '../config/environment';
import {
  answerWithRequestId,
  echoRequestId,
  requestIdOf,
} from '../logging/request-id';
import {
  observeRequestDuration,
  observeRequestDurations,
} from '../metrics/http-durations';
import { recordRouteMethods } from './allowed-methods';
import { answerClientError } from './client-errors';
import { acceptOnlyJsonObjectBodies, MAX_BODY_BYTES } from './json-body-parser';
import { ProblemCode } from './problem-details';
import { replyWithProblem } from './problem-details.filter';
import { RequestRejected } from './request-rejected.exception';
import { refuseRepeatedHeaders } from './repeated-headers';
import { logEveryRequest, logRefusedRequest } from './request-logging';
import { addSecurityHeaders } from './security-headers';

export const OPENAPI_PATH = 'docs';

/** Create apps with `{ bodyParser: false }`: configureHttpApp parses bodies. */
export const HTTP_APP_OPTIONS = { bodyParser: false } as const;

/** How long and how many connections a client may hold (see Environment). */
export interface HttpLimits {
  requestTimeoutSeconds: number;
  keepAliveTimeoutSeconds: number;
  maxConnections: number;
}

export function httpLimitsOf(environment: Environment): HttpLimits {
  return {
    requestTimeoutSeconds: environment.REQUEST_TIMEOUT_SECONDS,
    keepAliveTimeoutSeconds: environment.KEEP_ALIVE_TIMEOUT_SECONDS,
    maxConnections: environment.MAX_CONNECTIONS,
  };
}

/**
 * The HTTP server under Nest: Fastify, whose per-request cost is a fraction
 * of Express's (docs/decisions.md, "Fastify"). A client gets
 * `requestTimeoutSeconds` to send a whole request, headers and body (then
 * 408 and the connection closes): a client trickling a body can hold a
 * socket no longer, and a body is read before the route's guards run.
 */
export function createHttpAdapter(
  limits: HttpLimits = httpLimitsOf(loadEnvironment({})),
): FastifyAdapter {
  const requestTimeoutMs = limits.requestTimeoutSeconds * 1000;
  const adapter = new FastifyAdapter({
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutSeconds * 1000,
    http: {
      headersTimeout: requestTimeoutMs,
      // Node looks for requests past their timeout this often (30 s by
      // default, which would double a short timeout).
      connectionsCheckingInterval: Math.min(requestTimeoutMs, 1000),
    },
    clientErrorHandler: answerClientError,
    genReqId: requestIdOf,
    bodyLimit: MAX_BODY_BYTES,
    // As Express did: `/transfers/` is `/transfers`.
    routerOptions: { ignoreTrailingSlash: true },
    // A URL Fastify cannot route (bad percent-encoding, an over-long path
    // parameter) never reaches Nest: answer it here, saying nothing of it.
    frameworkErrors: (
      error: { statusCode?: number },
      request: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const status = error.statusCode ?? 500;
      answerWithRequestId(request, reply);
      replyWithProblem(
        reply,
        status >= 400 && status < 500
          ? new RequestRejected(
              status,
              ProblemCode.ValidationFailed,
              'malformed request URL',
            )
          : error,
      );
      logRefusedRequest(request, reply);
      observeRequestDuration(request, reply);
    },
  });
  adapter.getInstance().server.maxConnections = limits.maxConnections;
  return adapter;
}

/**
 * What an HTTP app needs beyond its modules, in the server and in tests
 * alike: each answer's X-Request-Id, JSON-only bodies, one log line per
 * request (only when `logLevels` print them: a hidden line is not even
 * built), each response's duration in http_request_duration_seconds, and
 * the OpenAPI document, generated from the code, at /docs (and its JSON at
 * /docs-json).
 */
export function configureHttpApp(
  app: NestFastifyApplication,
  logLevels: LogLevel[],
): void {
  const instance = app.getHttpAdapter().getInstance();
  // First: a hook that answers early still answers with the id.
  echoRequestId(instance);
  addSecurityHeaders(instance, `/${OPENAPI_PATH}`);
  recordRouteMethods(instance);
  observeRequestDurations(instance);
  refuseRepeatedHeaders(instance);
  acceptOnlyJsonObjectBodies(instance);
  if (logLevels.includes('log')) {
    logEveryRequest(instance);
  }
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('DeltaCrown Economy')
      .setDescription(
        "The DeltaCoin ledger: wallets, transfers and profiles. Amounts are whole coins. Request bodies are JSON objects of 16 KiB at most, whose numbers (outside `meta`) are written without a fraction or an exponent. Errors are application/problem+json (RFC 9457) with a stable `code`. Each operation's summary names who may call it.",
      )
      .setVersion('1')
      // The server that serves the document, wherever it runs.
      .addServer('/', 'this server')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addTag('profiles', 'players, created by the platform')
      .addTag('wallets', 'balances, history, credits, debits and overdraft')
      .addTag('transfers', 'coins from one wallet to another')
      .addTag('tournaments', 'tournaments, registrations and their payouts')
      .addTag('Health', 'whether the service can reach its database')
      .build(),
  );
  SwaggerModule.setup(OPENAPI_PATH, app, document, {
    jsonDocumentUrl: `${OPENAPI_PATH}-json`,
  });
}
