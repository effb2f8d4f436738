/** Long enough for a commit waiting out a failover; past it, the client retries. */
export const ANSWER_TIMEOUT_MS = 20_000;

/** One request sent and what came of it, with both times (ms since the epoch). */
export interface Attempt {
  sentAt: number;
  answeredAt: number;
  /** 0 when nothing came back (see `label`). */
  status: number;
  /** `201`, `503 UNAVAILABLE, Retry-After 1`, `connection error (ECONNRESET)`, `no answer within 20 s`… */
  label: string;
  retryAfterSeconds?: number;
  replayed: boolean;
  body?: Record<string, unknown>;
}

/** POSTs `body` as JSON; never throws: a failure is an attempt too. */
export async function post(
  url: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<Attempt> {
  const sentAt = Date.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    const text = await response.text();
    const parsed = parseObject(text);
    const code = typeof parsed?.code === 'string' ? ` ${parsed.code}` : '';
    const retryAfter = Number(response.headers.get('retry-after'));
    const retryAfterSeconds = retryAfter > 0 ? retryAfter : undefined;
    return {
      sentAt,
      answeredAt: Date.now(),
      status: response.status,
      label:
        response.status === 201
          ? '201'
          : `${response.status}${code}` +
            (retryAfterSeconds ? `, Retry-After ${retryAfterSeconds}` : ''),
      retryAfterSeconds,
      replayed: response.headers.get('idempotent-replayed') === 'true',
      body: parsed,
    };
  } catch (error) {
    return {
      sentAt,
      answeredAt: Date.now(),
      status: 0,
      label: failureLabel(error),
      replayed: false,
    };
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** fetch's TypeError hides the socket's error code in its cause. */
function failureLabel(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `no answer within ${ANSWER_TIMEOUT_MS / 1000} s`;
  }
  const cause =
    error instanceof Error
      ? (error.cause as { code?: unknown; name?: unknown } | undefined)
      : undefined;
  const code = cause?.code ?? cause?.name;
  return `connection error (${typeof code === 'string' ? code : String(error)})`;
}
