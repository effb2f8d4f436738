import { post, type Attempt } from './http-attempt';

/** A keyed POST, sent again with the same key and body until it is answered 201. */
export interface KeyedRequest {
  path: string;
  key: string;
  body: unknown;
  attempts: Attempt[];
  /** The 201 (first answer or replay), once there is one. */
  acknowledged?: Attempt;
  /** A 4xx no retry can change (not 408 or 429): a bug of this script or the service. */
  refused?: Attempt;
}

const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 1_000;
/** A Retry-After is honoured, up to this. */
const RETRY_AFTER_MAX_MS = 5_000;

export function keyedRequest(
  path: string,
  key: string,
  body: unknown,
): KeyedRequest {
  return { path, key, body, attempts: [] };
}

/**
 * Settles every request, `inFlight` at a time, in order; `onAcknowledged`
 * hears each 201. A request still unsettled at `deadline` is left so.
 */
export async function settleAll(
  requests: KeyedRequest[],
  options: {
    apiUrl: string;
    token: string;
    inFlight: number;
    deadline: number;
    onAcknowledged?: (request: KeyedRequest) => void;
  },
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++];
      await settle(request, options);
      if (request.acknowledged) {
        options.onAcknowledged?.(request);
      }
    }
  };
  await Promise.all(Array.from({ length: options.inFlight }, worker));
}

async function settle(
  request: KeyedRequest,
  options: { apiUrl: string; token: string; deadline: number },
): Promise<void> {
  const headers = {
    Authorization: `Bearer ${options.token}`,
    'Idempotency-Key': request.key,
  };
  while (Date.now() < options.deadline) {
    const attempt = await post(
      options.apiUrl + request.path,
      headers,
      request.body,
    );
    request.attempts.push(attempt);
    if (attempt.status === 201) {
      request.acknowledged = attempt;
      return;
    }
    if (isFinal(attempt.status)) {
      request.refused = attempt;
      return;
    }
    await sleep(retryDelayMs(attempt, request.attempts.length));
  }
}

function isFinal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function retryDelayMs(attempt: Attempt, attempts: number): number {
  if (attempt.retryAfterSeconds !== undefined) {
    return Math.min(attempt.retryAfterSeconds * 1000, RETRY_AFTER_MAX_MS);
  }
  const backoff = Math.min(
    BACKOFF_FIRST_MS * 2 ** (attempts - 1),
    BACKOFF_MAX_MS,
  );
  // Jittered, so the clients' retries do not arrive in one wave.
  return backoff / 2 + Math.random() * (backoff / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
