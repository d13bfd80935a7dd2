/**
 * Checks: what each kind of check may set (websocket, http), the auth that names its token, and the
 * list of checks. A check's interval, deadline and retry pause are resolved in
 * contracts/config/defaults.ts; rules across checks (unique names, a tick's room) in rules.ts.
 */
import { z } from 'zod';
import { AUTH_DEFAULTS } from '../kinds';
import { DEFAULT_TOKEN_NAME, FAST_INTERVALS, INTERVALS, type IntervalSeconds } from '../fleet';
import {
  checkedString,
  FIELD_PATH_RE,
  FINITE,
  HEADER_NAME_ERROR,
  HTTP_TOKEN_RE,
  NAME_ERROR,
  NAME_RE,
  nonEmpty,
  nonFinite,
  pattern,
  QUERY_PARAM_RE,
  wholeIn,
} from './fields';
import { headersSchema, probeHeaderReason } from './headers';
import { MAX_CHECKS } from './limits';
import { originSchema, urlSchema } from './urls';

/** A final HTTP status: the client never ends with a 1xx, and 101 is a WebSocket upgrade. */
const HTTP_STATUS_ERROR = 'must be an HTTP status code (a whole number from 200 to 599)';
const expectStatusSchema = z.number({ error: (iss) => (nonFinite(iss.input) ? FINITE : HTTP_STATUS_ERROR) }).superRefine((v, ctx) => {
  const message =
    v === 101
      ? 'must not be 101 (Switching Protocols): that is the answer to a WebSocket upgrade; use a websocket check (ws:// or wss://) for it'
      : !Number.isInteger(v) || v < 200 || v > 599
        ? HTTP_STATUS_ERROR
        : undefined;
  if (message) ctx.addIssue({ code: 'custom', message, input: v });
});

export const intervalSchema = z.union(
  INTERVALS.map((n) => z.literal(n)) as unknown as [z.ZodLiteral<IntervalSeconds>, z.ZodLiteral<IntervalSeconds>, ...z.ZodLiteral<IntervalSeconds>[]],
  { error: `must be one of ${INTERVALS.join(', ')} (seconds; ${FAST_INTERVALS.join(', ')} are fast checks)` },
);

/** Which token a check sends and where it goes in the request. */
export const AuthSchema = z
  .object(
    {
      /** The name of the token in `tokens` (several checks may share one). @default 'default' */
      token: pattern(NAME_RE, NAME_ERROR).default(DEFAULT_TOKEN_NAME),
      /** Header (`<header>: <scheme> <token>`) or query parameter (`?<param>=<token>`). @default - header for http, query for websocket */
      in: z.enum(['header', 'query'], { error: 'must be "header" or "query"' }).optional(),
      /** @default 'Token' */
      scheme: pattern(HTTP_TOKEN_RE, 'must be an auth scheme such as Token or Bearer').default(AUTH_DEFAULTS.scheme),
      /** @default 'Authorization' */
      header: checkedString(HEADER_NAME_ERROR, (name) => {
        if (!HTTP_TOKEN_RE.test(name)) return HEADER_NAME_ERROR;
        const reason = name.toLowerCase() === 'origin' ? "the probe sends the check's origin" : probeHeaderReason(name);
        return reason ? `must not be a header the probe controls (${reason})` : undefined;
      }).default(AUTH_DEFAULTS.header),
      /** @default 'token' */
      param: pattern(QUERY_PARAM_RE, 'must be a query parameter name of 1-100 letters, digits or - . _ ~ [ ]').default(AUTH_DEFAULTS.param),
    },
    { error: 'must be an object such as {"token": "default", "in": "header"}' },
  )
  .strict();
export type AuthConfig = z.infer<typeof AuthSchema>;

const common = {
  name: pattern(NAME_RE, NAME_ERROR),
  /** How often this check runs. @default - the top-level intervalSeconds */
  intervalSeconds: intervalSchema.optional(),
  /** Deadline per attempt. @default 10000 (fast checks: 3000 at 10 s, 8000 at 20 s, 10000 at 30 s) */
  timeoutMs: wholeIn(100, 120_000, 'ms').optional(),
  /** Pause before the confirmation retry of a failing outcome; 0 disables the retry. @default 2000 (fast checks: 1000) */
  retryDelayMs: wholeIn(0, 60_000, 'ms').optional(),
  auth: AuthSchema.optional(),
};

export const WebSocketCheckSchema = z
  .object({
    kind: z.literal('websocket'),
    ...common,
    url: urlSchema('websocket'),
    /** Sent as a browser would; Channels' origin validator rejects a missing one. @default - the target's own origin */
    origin: originSchema.optional(),
    /** How long the socket must stay open after 101; 0 disables. @default 1000 */
    settleMs: wholeIn(0, 60_000, 'ms').default(1_000),
    /** Optional message round trip after the settle window. */
    roundTrip: z
      .object(
        {
          send: nonEmpty('the message to send'),
          expect: nonEmpty('the text the answer must contain or equal'),
          /** @default 'contains' */
          match: z.enum(['equals', 'contains'], { error: 'must be "equals" or "contains"' }).default('contains'),
        },
        { error: 'must be an object such as {"send": "ping", "expect": "pong"}' },
      )
      .strict()
      .optional(),
  })
  .strict();

export const HttpCheckSchema = z
  .object({
    kind: z.literal('http'),
    ...common,
    url: urlSchema('http'),
    /** @default 'GET' */
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], { error: 'must be an HTTP method in upper case' }).default('GET'),
    /** Extra request headers: not the token (tokens and auth), not the ones the probe sets. */
    headers: headersSchema.optional(),
    /** @default 200 */
    expectStatus: expectStatusSchema.default(200),
    /** Body/latency assertions; failing one gives outcome `assertion`. */
    assert: z
      .object(
        {
          /** The JSON body's top-level type. */
          json: z.enum(['array', 'object'], { error: 'must be "array" or "object"' }).optional(),
          /** Dotted paths that must be present in the JSON body (e.g. "results", "data.items"). */
          fields: z
            .array(pattern(FIELD_PATH_RE, 'must be a dotted path such as "data.items"'), {
              error: 'must be a list of dotted paths such as ["results", "data.items"]',
            })
            .optional(),
          /** A substring the body must contain. */
          bodyContains: nonEmpty('the text the body must contain').optional(),
          /** Total time budget; below the check's timeoutMs. */
          maxLatencyMs: wholeIn(1, 120_000, 'ms').optional(),
        },
        { error: 'must be an object of assertions such as {"json": "object", "maxLatencyMs": 2000}' },
      )
      .strict()
      .optional(),
    /** Body size cap; a larger body is cut and fails as `assertion`. @default 1048576 */
    maxBodyBytes: wholeIn(1, 64 * 1024 * 1024, 'bytes').default(1_048_576),
  })
  .strict();

export const CheckSchema = z.discriminatedUnion('kind', [WebSocketCheckSchema, HttpCheckSchema], {
  error: (iss) =>
    iss.code === 'invalid_union'
      ? 'must be "websocket" or "http"'
      : iss.code === 'invalid_type'
        ? 'must be an object with at least kind, name and url'
        : undefined,
});
/** A check as written (interval and deadline may be left to the defaults). */
/** A check as written (interval and deadline may be left to the defaults). */
export type ParsedCheck = z.infer<typeof CheckSchema>;
/** A validated check: its interval and deadline resolved. */
export type Check = ParsedCheck & { readonly intervalSeconds: IntervalSeconds; readonly timeoutMs: number; readonly retryDelayMs: number };
export type WebSocketCheck = Extract<Check, { kind: 'websocket' }>;
export type HttpCheck = Extract<Check, { kind: 'http' }>;

export const checksSchema = z
  .array(CheckSchema, {
    error: (iss) => (iss.input === undefined ? 'is required: a list of at least one check' : 'must be a list of checks'),
  })
  .min(1, { error: 'must list at least one check' })
  .superRefine(
    (checks, ctx) => {
      if (Array.isArray(checks) && checks.length > MAX_CHECKS) {
        ctx.addIssue({
          code: 'custom',
          message: `must list at most ${MAX_CHECKS} checks: a monitor's alarms, dashboard and runner package grow with its checks, so split a larger fleet into several monitors`,
          input: checks.length,
        });
      }
    },
    { when: () => true },
  );
