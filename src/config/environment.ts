import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  validateSync,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { DURATION_PATTERN } from '../common/duration';

/** As for the generated JWT secret: a shorter secret can be guessed. */
export const MIN_JWT_SECRET_LENGTH = 32;

/** A year: the longest a token may live unless JWT_MAX_TTL says otherwise. */
export const DEFAULT_JWT_MAX_TTL = '365d';

/**
 * Longer than the idle timeout of common load balancers (60 s), which would
 * otherwise reuse a connection the service is closing (Fastify's default).
 */
const DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS = 72;

/** Two a second on average, in bursts as a client's screens need them. */
export const DEFAULT_PLAYER_REQUESTS_PER_MINUTE = 120;

/** The nearest folder above this file holding a package.json: the project's. */
function packageRoot(): string {
  let folder = __dirname;
  while (
    !existsSync(join(folder, 'package.json')) &&
    dirname(folder) !== folder
  ) {
    folder = dirname(folder);
  }
  return folder;
}

// The project's own folder, wherever the server or the CLI is run from: both
// must find the same cluster and the same JWT secret.
const DEFAULT_DATA_DIR = join(packageRoot(), '.data');

/**
 * A whole number written in decimal digits, as a number; anything else is
 * left for @IsInt to refuse: Number() would also read `0x1F90`, `1e3` or
 * ` 8080 `.
 */
function digitsOnly({ value }: { value: unknown }): unknown {
  return typeof value === 'string' && /^\d+$/.test(value)
    ? Number(value)
    : value;
}

@ValidatorConstraint({ name: 'postgresUrl' })
class PostgresUrl implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    let url: URL;
    try {
      url = new URL(String(value));
    } catch {
      return false;
    }
    // A host, or a socket folder given as `?host=/run/postgresql`.
    return (
      (url.protocol === 'postgres:' || url.protocol === 'postgresql:') &&
      (url.hostname !== '' || url.searchParams.has('host'))
    );
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be a postgres:// connection string naming a host`;
  }
}

@ValidatorConstraint({ name: 'withDatabaseUrl' })
class WithDatabaseUrl implements ValidatorConstraintInterface {
  validate(_: unknown, args: ValidationArguments): boolean {
    return (args.object as Environment).DATABASE_URL !== undefined;
  }

  defaultMessage(args: ValidationArguments): string {
    // The embedded PostgreSQL's migrations run as its own superuser.
    return `${args.property} is only used with DATABASE_URL`;
  }
}

// A DNS name: dot-separated labels of letters, digits and inner hyphens.
const HOST_NAME =
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

@ValidatorConstraint({ name: 'listenHost' })
class ListenHost implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return (
      typeof value === 'string' &&
      (isIP(value) !== 0 || (value.length <= 253 && HOST_NAME.test(value)))
    );
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be an IP address or a host name`;
  }
}

/**
 * Every variable the service reads. Validated once at start: a bad value stops
 * the process with a message naming the variable, never a half-configured run.
 */
export class Environment {
  @IsOptional()
  @IsString()
  @Validate(PostgresUrl)
  DATABASE_URL?: string;

  /** The schema owner, for migrations; unset: DATABASE_URL's role migrates too. */
  @IsOptional()
  @IsString()
  @Validate(PostgresUrl)
  @Validate(WithDatabaseUrl)
  DATABASE_MIGRATION_URL?: string;

  @IsString()
  @Matches(/\S/, { message: 'DATA_DIR must not be blank' })
  DATA_DIR: string = DEFAULT_DATA_DIR;

  @Transform(digitsOnly)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT: number = 3000;

  @Transform(digitsOnly)
  @IsInt()
  @Min(1)
  @Max(65535)
  EMBEDDED_POSTGRES_PORT: number = 54329;

  @Transform(digitsOnly)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE: number = defaultPoolSize();

  /**
   * The server's bounds, in milliseconds: a lock wait, one statement, and
   * the wait for a pooled connection (or a movement's turn). Past one, a
   * request answers 503 BUSY with nothing written.
   */
  @Transform(digitsOnly)
  @IsInt()
  @Min(1)
  @Max(600_000)
  DATABASE_LOCK_WAIT_MS: number = 2_000;

  @Transform(digitsOnly)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  DATABASE_STATEMENT_MS: number = 30_000;

  @Transform(digitsOnly)
  @IsInt()
  @Min(1)
  @Max(600_000)
  DATABASE_POOL_WAIT_MS: number = 5_000;

  @IsOptional()
  @IsString()
  @MinLength(MIN_JWT_SECRET_LENGTH, {
    message: `JWT_SECRET must be at least ${MIN_JWT_SECRET_LENGTH} characters`,
  })
  JWT_SECRET?: string;

  /** The key of promo codes' digests; unset: generated in DATA_DIR/promo-secret. */
  @IsOptional()
  @IsString()
  @MinLength(MIN_JWT_SECRET_LENGTH, {
    message: `PROMO_SECRET must be at least ${MIN_JWT_SECRET_LENGTH} characters`,
  })
  PROMO_SECRET?: string;

  /** Requests a minute one player may make, all routes together; 0 for no limit. */
  @Transform(digitsOnly)
  @IsInt()
  @Min(0)
  // The limiter keeps a timestamp per counted request and player.
  @Max(10_000)
  PLAYER_REQUESTS_PER_MINUTE: number = DEFAULT_PLAYER_REQUESTS_PER_MINUTE;

  /**
   * The longest life a bearer token may have, from now or from its `iat`
   * (`90s`, `15m`, `12h`, `7d`, or seconds): the server refuses a token that
   * would live longer, and the CLI signs none.
   */
  @Matches(DURATION_PATTERN, {
    message: 'JWT_MAX_TTL must be a duration such as 3600, 15m, 12h or 365d',
  })
  JWT_MAX_TTL: string = DEFAULT_JWT_MAX_TTL;

  /** Seconds a client has to send a whole request, headers and body. */
  @Transform(digitsOnly)
  @IsInt()
  @Min(1)
  @Max(600)
  REQUEST_TIMEOUT_SECONDS: number = 30;

  /** Seconds an idle keep-alive connection stays open between requests. */
  @Transform(digitsOnly)
  @IsInt()
  @Min(1)
  @Max(600)
  KEEP_ALIVE_TIMEOUT_SECONDS: number = DEFAULT_KEEP_ALIVE_TIMEOUT_SECONDS;

  /** Open HTTP connections at most; beyond, new ones are closed at once. */
  @Transform(digitsOnly)
  @IsInt()
  @Min(1)
  @Max(100_000)
  MAX_CONNECTIONS: number = 1024;

  /** Days the event feed keeps an event; `events prune` deletes older ones. */
  @Transform(digitsOnly)
  @IsInt()
  @Min(1)
  @Max(36_500)
  EVENT_RETENTION_DAYS: number = 30;

  /** Port of GET /metrics (Prometheus text), apart from the API's; 0: none. */
  @Transform(digitsOnly)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT: number = 9464;

  /** Where the metrics port listens: the loopback unless told, as metrics are no client's. */
  @Validate(ListenHost)
  METRICS_HOST: string = '127.0.0.1';

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** The server's logs: `json` (one object a line) or `pretty`; unset: pretty on a terminal only. */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';
}

/**
 * PostgreSQL's rule of thumb, two connections per core plus one, up to 10:
 * the cores are this machine's, where the embedded database runs. More
 * connections only move the queue from the pool into PostgreSQL, and starve
 * the service's own thread of CPU (docs/decisions.md, "Pool size"). Set
 * DATABASE_POOL_SIZE for a database elsewhere.
 */
export function defaultPoolSize(): number {
  return Math.min(2 * availableParallelism() + 1, 10);
}

const ENVIRONMENT_KEYS = [
  'DATABASE_URL',
  'DATABASE_MIGRATION_URL',
  'DATA_DIR',
  'PORT',
  'EMBEDDED_POSTGRES_PORT',
  'DATABASE_POOL_SIZE',
  'DATABASE_LOCK_WAIT_MS',
  'DATABASE_STATEMENT_MS',
  'DATABASE_POOL_WAIT_MS',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'JWT_SECRET',
  'PROMO_SECRET',
  'PLAYER_REQUESTS_PER_MINUTE',
  'JWT_MAX_TTL',
  'REQUEST_TIMEOUT_SECONDS',
  'KEEP_ALIVE_TIMEOUT_SECONDS',
  'MAX_CONNECTIONS',
  'METRICS_PORT',
  'METRICS_HOST',
  'EVENT_RETENTION_DAYS',
] as const satisfies readonly (keyof Environment)[];

export class InvalidEnvironmentError extends Error {
  constructor(problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

export function loadEnvironment(
  source: Record<string, string | undefined> = process.env,
): Environment {
  const defined: Record<string, string> = {};
  for (const key of ENVIRONMENT_KEYS) {
    const value = source[key];
    if (value !== undefined && value !== '') {
      defined[key] = value;
    }
  }
  const environment = plainToInstance(Environment, defined, {
    enableImplicitConversion: false,
  });
  const errors = validateSync(environment, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new InvalidEnvironmentError(
      errors.flatMap((error) => Object.values(error.constraints ?? {})),
    );
  }
  return environment;
}
