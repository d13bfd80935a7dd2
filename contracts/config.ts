/**
 * The monitor configuration: one zod schema, validated once, for the CDK app, the Lambda event and
 * the CLI alike (DESIGN §4). Every problem is reported at once, each with its path and what was received.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AUTH_DEFAULTS, KINDS, PUBLISH_MARGIN_MS, TOKEN_READ_MARGIN_MS } from './kinds';

/** Names become CloudWatch dimensions and parts of resource names (alarms, schedules, functions). */
const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** An environment variable name (also checked by the CLI's --token-env). */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** RFC 7230 token: what a header name or auth scheme may contain. */
const HTTP_TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ARN_SECRET_RE = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const SECRET_NAME_RE = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const NAMESPACE_RE = /^[A-Za-z0-9._/#:-]{1,255}$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function urlWithSchemes(schemes: readonly string[], kind: string) {
  return z.string().superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL', input: value });
      return;
    }
    const scheme = url.protocol.slice(0, -1);
    if (!schemes.includes(scheme)) {
      ctx.addIssue({
        code: 'custom',
        message: `must use ${schemes.map((s) => `${s}://`).join(' or ')} for ${kind} check`,
        input: value,
      });
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not embed credentials (use auth)', input: '<redacted>' });
    }
  });
}

/** "1 minute", "2 minutes", "1 ms". */
const quantity = (n: number, unit: string) => (n === 1 && unit !== 'ms' && unit.endsWith('s') ? `${n} ${unit.slice(0, -1)}` : `${n} ${unit}`);

const intIn = (min: number, max: number, unit: string) =>
  z
    .number({ error: `must be a number of ${unit}` })
    .int({ error: `must be a whole number of ${unit}` })
    .min(min, { error: `must be at least ${quantity(min, unit)}` })
    .max(max, { error: `must be at most ${quantity(max, unit)}` });

/** One message for every way a status can be wrong: the range is the useful part. */
const HTTP_STATUS_ERROR = 'must be an HTTP status code (a whole number from 100 to 599)';
const httpStatus = z
  .number({ error: HTTP_STATUS_ERROR })
  .int({ error: HTTP_STATUS_ERROR })
  .min(100, { error: HTTP_STATUS_ERROR })
  .max(599, { error: HTTP_STATUS_ERROR });

/** Where the token comes from and where it goes in the request. */
export const AuthSchema = z
  .object({
    /** Header (`<header>: <scheme> <token>`) or query parameter (`?<param>=<token>`). @default - header for http, query for websocket */
    in: z.enum(['header', 'query'], { error: 'must be "header" or "query"' }).optional(),
    /** @default 'Token' */
    scheme: z.string().regex(HTTP_TOKEN_RE, { error: 'must be an auth scheme such as Token or Bearer' }).default(AUTH_DEFAULTS.scheme),
    /** @default 'Authorization' */
    header: z.string().regex(HTTP_TOKEN_RE, { error: 'must be a valid HTTP header name' }).default(AUTH_DEFAULTS.header),
    /** @default 'token' */
    param: z.string().min(1, { error: 'must not be empty' }).max(100).default(AUTH_DEFAULTS.param),
    /** Local runs read the token from this environment variable. @default 'SYNTHMON_TOKEN' */
    tokenEnv: z.string().regex(ENV_NAME_RE, { error: 'must be an environment variable name' }).default(AUTH_DEFAULTS.tokenEnv),
    /** In AWS: an existing secret (name or ARN). @default - the stack creates one with a placeholder */
    secret: z
      .union([
        z.object({ name: z.string().regex(SECRET_NAME_RE, { error: 'must be a Secrets Manager secret name' }) }).strict(),
        z.object({ arn: z.string().regex(ARN_SECRET_RE, { error: 'must be a Secrets Manager secret ARN' }) }).strict(),
      ], { error: 'must be {"name": "..."} or {"arn": "arn:aws:secretsmanager:..."}' })
      .optional(),
  })
  .strict();
export type AuthConfig = z.infer<typeof AuthSchema>;

const common = {
  name: z.string().regex(NAME_RE, {
    error: 'must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit',
  }),
  /** Deadline per attempt. @default 10000 */
  timeoutMs: intIn(100, 120_000, 'ms').default(10_000),
  /** Pause before the confirmation retry of a failing outcome; 0 disables the retry. @default 2000 */
  retryDelayMs: intIn(0, 60_000, 'ms').default(2_000),
  auth: AuthSchema.optional(),
};

export const WebSocketCheckSchema = z
  .object({
    kind: z.literal('websocket'),
    ...common,
    url: urlWithSchemes(KINDS.websocket.schemes, 'a websocket'),
    /** Sent as a browser would; Channels' origin validator rejects a missing one. @default - the target's own origin */
    origin: z
      .string()
      .regex(/^https?:\/\/[^/\s?#]+$/, { error: 'must be an origin like https://example.com (scheme and host, no path)' })
      .optional(),
    /** How long the socket must stay open after 101; 0 disables. @default 1000 */
    settleMs: intIn(0, 60_000, 'ms').default(1_000),
    /** Optional message round trip after the settle window. */
    roundTrip: z
      .object({
        send: z.string().min(1, { error: 'must not be empty' }),
        expect: z.string().min(1, { error: 'must not be empty' }),
        /** @default 'contains' */
        match: z.enum(['equals', 'contains'], { error: 'must be "equals" or "contains"' }).default('contains'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const HttpCheckSchema = z
  .object({
    kind: z.literal('http'),
    ...common,
    url: urlWithSchemes(KINDS.http.schemes, 'an http'),
    /** @default 'GET' */
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], { error: 'must be an HTTP method in upper case' }).default('GET'),
    /** Extra request headers (not the token: use auth). */
    headers: z.record(z.string().regex(HTTP_TOKEN_RE, { error: 'must be a valid HTTP header name' }), z.string()).optional(),
    /** @default 200 */
    expectStatus: httpStatus.default(200),
    /** Body/latency assertions; failing one gives outcome `assertion`. */
    assert: z
      .object({
        /** The JSON body's top-level type. */
        json: z.enum(['array', 'object'], { error: 'must be "array" or "object"' }).optional(),
        /** Dotted paths that must be present in the JSON body (e.g. "results", "data.items"). */
        fields: z.array(z.string().min(1)).optional(),
        /** A substring the body must contain. */
        bodyContains: z.string().min(1).optional(),
        /** Total time budget. */
        maxLatencyMs: intIn(1, 120_000, 'ms').optional(),
      })
      .strict()
      .optional(),
    /** Body size cap; a larger body is cut and fails as `assertion`. @default 1048576 */
    maxBodyBytes: intIn(1, 64 * 1024 * 1024, 'bytes').default(1_048_576),
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
export type WebSocketCheck = z.infer<typeof WebSocketCheckSchema>;
export type HttpCheck = z.infer<typeof HttpCheckSchema>;
export type Check = z.infer<typeof CheckSchema>;

const alarmSchema = (d: { datapointsToAlarm: number; evaluationPeriods: number; threshold: number }) =>
  z
    .object({
      /** M in "M out of N". */
      datapointsToAlarm: intIn(1, 1440, 'datapoints').default(d.datapointsToAlarm),
      /** N in "M out of N". */
      evaluationPeriods: intIn(1, 1440, 'periods').default(d.evaluationPeriods),
      threshold: z.number({ error: 'must be a number' }).min(0, { error: 'must not be negative' }).default(d.threshold),
    })
    .strict()
    .superRefine((alarm, ctx) => {
      if (alarm.datapointsToAlarm > alarm.evaluationPeriods) {
        ctx.addIssue({
          code: 'custom',
          path: ['datapointsToAlarm'],
          message: `must not exceed evaluationPeriods (${alarm.evaluationPeriods})`,
          input: alarm.datapointsToAlarm,
        });
      }
    })
    .default(d);

/** Defaults of DESIGN §7: each datapoint is already confirmed by a retry, so 1 of 1 pages. */
export const AlarmsSchema = z
  .object({
    /** Failures{Reason=refused} Sum >= threshold. */
    refused: alarmSchema({ datapointsToAlarm: 1, evaluationPeriods: 1, threshold: 1 }),
    /** Failures{Reason=forbidden} Sum >= threshold. */
    forbidden: alarmSchema({ datapointsToAlarm: 1, evaluationPeriods: 1, threshold: 1 }),
    /** Success Average < threshold (1 = any failed run in the period). */
    failing: alarmSchema({ datapointsToAlarm: 2, evaluationPeriods: 3, threshold: 1 }),
    /** Success SampleCount < threshold, missing data breaching: the probe stopped. */
    silent: alarmSchema({ datapointsToAlarm: 3, evaluationPeriods: 3, threshold: 1 }),
  })
  .strict()
  .prefault({});
export type AlarmsConfig = z.infer<typeof AlarmsSchema>;

export const MonitorConfigSchema = z
  .object({
    /** CloudWatch namespace. @default 'SyntheticMonitor' */
    namespace: z.string().regex(NAMESPACE_RE, { error: 'must be a CloudWatch namespace (letters, digits, . _ / # : -)' }).refine((s) => !s.startsWith('AWS/'), { error: 'must not start with "AWS/" (reserved)' }).default('SyntheticMonitor'),
    /** How often each check runs, and the alarm period. @default 1 */
    intervalMinutes: intIn(1, 60, 'minutes').default(1),
    /** Lambda timeout; must cover two attempts, the retry pause and publishing. @default 60 */
    functionTimeoutSeconds: intIn(10, 900, 'seconds').default(60),
    /** Publish DnsMs/ConnectMs/TlsMs/FirstByteMs too (each custom metric costs money monthly). @default false */
    phaseTimings: z.boolean({ error: 'must be true or false' }).default(false),
    alarms: AlarmsSchema,
    notifications: z
      .object({
        emails: z.array(z.string().regex(EMAIL_RE, { error: 'must be an email address' })).default([]),
        httpsEndpoints: z.array(z.string().regex(/^https:\/\/[^\s]+$/, { error: 'must be an https:// URL' })).default([]),
      })
      .strict()
      .prefault({}),
    checks: z
      .array(CheckSchema, {
        error: (iss) => (iss.input === undefined ? 'is required: a list of at least one check' : 'must be a list of checks'),
      })
      .min(1, { error: 'must list at least one check' }),
  }, { error: (iss) => (iss.code === 'invalid_type' ? 'must be a JSON object with at least "checks"' : undefined) })
  .strict()
  // Cross-field rules run even when other fields are invalid, so every problem is reported at once;
  // hence the defensive reads of a payload that may be partly unparsed.
  .superRefine(
    (cfg, ctx) => {
      const interval = typeof cfg.intervalMinutes === 'number' ? cfg.intervalMinutes : 1;
      const fnTimeoutS = typeof cfg.functionTimeoutSeconds === 'number' ? cfg.functionTimeoutSeconds : 60;
      const seen = new Map<string, number>();
      (Array.isArray(cfg.checks) ? cfg.checks : []).forEach((check: Partial<Check> | undefined, i) => {
        if (!check || typeof check !== 'object' || (check.kind !== 'websocket' && check.kind !== 'http')) return;
        if (typeof check.name === 'string') {
          const first = seen.get(check.name);
          if (first !== undefined) {
            ctx.addIssue({ code: 'custom', path: ['checks', i, 'name'], message: `must be unique (also used by checks[${first}])`, input: check.name });
          } else seen.set(check.name, i);
        }
        const timeoutMs = num(check.timeoutMs, 10_000);
        const settleMs = check.kind === 'websocket' ? num(check.settleMs, 1_000) : 0;
        const tokenMs = check.auth ? TOKEN_READ_MARGIN_MS : 0;
        const budgetMs = (timeoutMs + settleMs) * 2 + num(check.retryDelayMs, 2_000) + tokenMs + PUBLISH_MARGIN_MS;
        if (budgetMs > fnTimeoutS * 1000) {
          ctx.addIssue({
            code: 'custom',
            path: ['checks', i, 'timeoutMs'],
            message:
              `leaves no room: two attempts, the retry pause${tokenMs ? ', reading the token' : ''} and publishing need ${budgetMs} ms, ` +
              `more than functionTimeoutSeconds (${fnTimeoutS} s)`,
            input: timeoutMs,
          });
        }
      });
      const alarms = cfg.alarms && typeof cfg.alarms === 'object' ? cfg.alarms : {};
      for (const [key, alarm] of Object.entries(alarms)) {
        const periods = (alarm as { evaluationPeriods?: unknown } | undefined)?.evaluationPeriods;
        if (typeof periods === 'number' && periods * interval > 1440) {
          ctx.addIssue({
            code: 'custom',
            path: ['alarms', key, 'evaluationPeriods'],
            message: `times intervalMinutes (${interval}) must not exceed one day (CloudWatch limit)`,
            input: periods,
          });
        }
      }
    },
    { when: () => true },
  );

const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

export type MonitorConfig = z.infer<typeof MonitorConfigSchema>;
export type MonitorConfigInput = z.input<typeof MonitorConfigSchema>;

// Runtime helpers live in ./check (no zod), so the probes and the Lambda load without the schema.
export { attemptBudgetMs, PUBLISH_MARGIN_MS, TOKEN_READ_MARGIN_MS, tokenPlacement } from './kinds';

/** Thrown for any invalid configuration; `problems` lists every one. */
export class ConfigError extends Error {
  readonly code = 'SYNTHMON_CONFIG_INVALID';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid configuration in ${source} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Validate raw configuration; throws ConfigError naming every problem with its path and input. */
export function parseConfig(raw: unknown, source = 'configuration'): MonitorConfig {
  const result = MonitorConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    if (issue.code === 'invalid_key') {
      // A record key (e.g. a header name) failed: name the record and the key, not "Invalid key in record".
      const key = issue.path.at(-1);
      return `${formatPath(issue.path.slice(0, -1))} key ${issue.issues[0]?.message ?? 'is invalid'}, got ${describeInput(key)}`;
    }
    // A bad discriminator reports the whole check as its input; show just the kind.
    const input =
      issue.path.at(-1) === 'kind' && issue.input && typeof issue.input === 'object'
        ? (issue.input as { kind?: unknown }).kind
        : issue.input;
    return `${path} ${issue.message}, got ${describeInput(input)}`;
  });
  throw new ConfigError(source, problems);
}

/** Validate one check on its own (CLI ad-hoc probes, the Lambda event). */
export function parseCheck(raw: unknown, source = 'check'): Check {
  return parseConfig({ checks: [raw] }, source).checks[0]!;
}

/** Read and validate a JSON configuration file. */
export function loadConfigFile(file: string): MonitorConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseConfig(raw, file);
}
