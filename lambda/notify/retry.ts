/**
 * The delivery policy every channel shares (docs/DESIGN.md#notification-channels): attempts until
 * one succeeds, one fails for good, or the caller's deadline leaves no room for another.
 *
 * - 429, 5xx and network errors are retried with a short exponential backoff (with jitter), and a
 *   Retry-After is honoured when it fits before the deadline. PagerDuty: "429 | Too many API calls at
 *   a time. | Yes - retry after some time"; "500 or other 5XX | … | Yes - retry after some time";
 *   "Network Error | … | Yes - retry after some time"; "400 | Bad Request - Check that the JSON is
 *   valid. | No" (https://developer.pagerduty.com/docs/events-api-v2/overview/#response-codes--retry-logic).
 *   Standard Webhooks: "some responses may also include a `Retry-After` header (e.g. `503 Service
 *   Unavailable`), which should be taken into consideration when scheduling the next attempt"
 *   (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
 * - Any other 4xx (and a 3xx: redirects are not followed) is a configuration problem: said once, not
 *   retried, `retryable: false`.
 * - Every attempt has its own limit inside the deadline; no attempt starts with less than
 *   MIN_ATTEMPT_MS left.
 */
import type { Delivery } from '../../contracts/notification';

/** One attempt's limit, however far the deadline is. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** No attempt starts with less than this left before the deadline (it could not finish). */
export const MIN_ATTEMPT_MS = 200;
/** Backoff before attempt n+1: BACKOFF_BASE_MS × 2^(n-1), at most BACKOFF_MAX_MS, with jitter (½ to 1×). */
export const BACKOFF_BASE_MS = 250;
/** The longest backoff between two attempts. */
export const BACKOFF_MAX_MS = 2_000;
/** Attempts per delivery at most, however long the deadline. */
export const MAX_ATTEMPTS = 8;

/** What one attempt came to. */
export interface AttemptOutcome {
  readonly ok: boolean;
  /** Worth another attempt (429, 5xx, network, a token store that did not answer). */
  readonly retryable: boolean;
  readonly status?: number;
  /** Redacted, said to a human. */
  readonly error?: string;
  /** The receiver's Retry-After, in ms. */
  readonly retryAfterMs?: number;
}

/** The caller's deadline, and the clock and randomness (for tests). */
export interface RetryOptions {
  /** Epoch ms: no attempt runs past it. */
  readonly deadline: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
  /** Waits between attempts (tests of the schedule: no real waiting). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Retry-After in ms (delta-seconds or an HTTP date, RFC 9110 §10.2.3), or undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The outcome of an HTTP status, by the policy above (`what` names the receiver: "PagerDuty"). */
export function classifyStatus(status: number, what: string, detail: string, retryAfter?: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { ok: true, retryable: false, status };
  const said = detail ? `: ${detail}` : '';
  if (status === 429)
    return {
      ok: false,
      retryable: true,
      status,
      error: `${what} is rate limiting (HTTP 429)${said}`,
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
    };
  if (status >= 500)
    return {
      ok: false,
      retryable: true,
      status,
      error: `${what} failed (HTTP ${status})${said}`,
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
    };
  if (status >= 300 && status < 400)
    return {
      ok: false,
      retryable: false,
      status,
      error: `${what} answered a redirect (HTTP ${status}), which is not followed: configure the final URL`,
    };
  return {
    ok: false,
    retryable: false,
    status,
    error: `${what} refused the notification (HTTP ${status})${said}: a configuration problem, not retried`,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt(timeoutMs, n)` under the policy above and reports the channel's Delivery.
 * `attempt` must not throw (a throw counts as a retryable failure named by its error's name only).
 */
export async function deliverWithRetries(
  channel: string,
  attempt: (timeoutMs: number, n: number) => Promise<AttemptOutcome>,
  options: RetryOptions,
): Promise<Delivery> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const pause = options.sleep ?? sleep;
  let attempts = 0;
  let last: AttemptOutcome | undefined;
  let note = '';
  for (;;) {
    const left = options.deadline - now();
    if (left < MIN_ATTEMPT_MS) break;
    attempts += 1;
    try {
      last = await attempt(Math.min(left, ATTEMPT_TIMEOUT_MS), attempts);
    } catch (err) {
      last = { ok: false, retryable: true, error: `delivery failed unexpectedly (${(err as Error)?.name ?? 'error'})` };
    }
    if (last.ok || !last.retryable || attempts >= MAX_ATTEMPTS) break;
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1)) * (0.5 + random() / 2);
    const wait = Math.max(backoff, last.retryAfterMs ?? 0);
    if (now() + wait + MIN_ATTEMPT_MS > options.deadline) {
      if (last.retryAfterMs !== undefined && last.retryAfterMs > backoff)
        note = `; Retry-After ${Math.ceil(last.retryAfterMs / 1000)} s is past this run's deadline`;
      break;
    }
    await pause(wait);
  }
  if (!last) {
    return { channel, ok: false, retryable: true, attempts: 0, error: 'not attempted: the deadline left no time for a delivery' };
  }
  if (last.ok) return { channel, ok: true, retryable: false, attempts, ...(last.status !== undefined ? { status: last.status } : {}) };
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  return {
    channel,
    ok: false,
    retryable: last.retryable,
    attempts,
    ...(last.status !== undefined ? { status: last.status } : {}),
    error: `${last.error ?? 'failed'}${note} (${tries})`,
  };
}
