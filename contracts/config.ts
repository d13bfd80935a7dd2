/**
 * The monitor configuration: one zod schema, validated once, for the CDK app, the Lambda event and
 * the CLI alike (DESIGN §4). Every problem is reported at once, each with its path, what is expected
 * and the value received; one wrong field is one problem (the first rule it breaks), never zod's own
 * wording. Nothing this schema accepts may crash `cdk synth` or fail every run: each rule below says
 * which limit or failure it guards against.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { attemptBudgetMs, AUTH_DEFAULTS, isCheckKind, KINDS, PUBLISH_MARGIN_MS, runBudgetMs, TOKEN_READ_MARGIN_MS, type CheckKind } from './kinds';
import { ALARMS_PER_STACK, alarmsInMonitorStack, DEFAULT_SHARD_MAX_CHECKS, DEFAULT_TOKEN_NAME, defaultParameterName, defaultTokenEnv, FAST_INTERVALS, FAST_SHARD_MAX_CHECKS, INTERVALS, type IntervalSeconds, isFastInterval, LAMBDA_MAX_TIMEOUT_S } from './fleet';
import { partitionOf, REGION_PARTITIONS } from './regions';
import { IncidentsSchema } from './config/incidents';
import { NOTIFICATION_CHANNEL_FIELDS, notificationTokenProblems } from './config/notifications';
import { MaintenanceSchema, maintenanceRules } from './config/maintenance';

/**
 * Names become CloudWatch dimensions and parts of alarm names (`<stack>-<monitor>-Failing-<name>`,
 * at most 255 characters): 40 leave the stack name (at most 128) and the construct id room. Two
 * names that differ only by hyphens (api-1, api1) are fine: alarm construct ids keep the hyphens.
 */
const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const NAME_ERROR = 'must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit';
const REGION_ERROR = 'must be an AWS region name such as eu-west-1';
/** An environment variable name (also checked by the CLI's --token-env). */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** RFC 9110 token: what a header name or auth scheme may contain. */
const HTTP_TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_NAME_ERROR = 'must be a valid HTTP header name';
const ARN_SECRET_RE = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const SECRET_NAME_RE = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
/** CloudWatch's namespace characters (PutMetricData allows spaces too; the dashboard's SEARCH would need them quoted). */
const NAMESPACE_RE = /^[A-Za-z0-9._/#:-]{1,255}$/;
const NAMESPACE_ERROR = 'must be a CloudWatch namespace (1-255 letters, digits, . _ / # : -)';
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** RFC 3986 unreserved characters (and [ ] for names such as auth[token]): the name reaches the server as written. */
const QUERY_PARAM_RE = /^[A-Za-z0-9._~[\]-]{1,100}$/;
/** "results", "data.items": dot-separated keys, none empty. */
const FIELD_PATH_RE = /^[^.\s]+(?:\.[^.\s]+)*$/;

/**
 * Most checks in one configuration. The design target is 1,000 (DESIGN §10); a monitor's alarms
 * (one per fast check), schedules, dashboard and runner package grow with its checks, and past a
 * few thousand its stack outgrows CloudFormation's limits (see the stack-size rule below): a larger
 * fleet is several monitors.
 */
export const MAX_CHECKS = 5_000;

/**
 * Metrics Insights alarms see only the latest 3 hours: "Only the latest 3 hours of data can be used
 * for evaluating the alarm's conditions" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html).
 */
export const INSIGHTS_MAX_WINDOW_SECONDS = 3 * 3600;
/**
 * Longest evaluation range of the standard (Silent) alarm: one day. PutMetricAlarm allows at most
 * 86,400 s for periods under an hour (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html);
 * synthmon keeps to it for every period.
 */
export const STANDARD_MAX_WINDOW_SECONDS = 86_400;

/** CloudFormation's resources per stack (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). */
export const STACK_MAX_RESOURCES = 500;
/**
 * Alarms the monitor's own stack holds before the rest go to nested stacks, one resource each:
 * ALARMS_PER_STACK in lib/synthetic-monitor.ts (a test keeps the two in step).
 */
export const ALARMS_PER_MONITOR_STACK = ALARMS_PER_STACK;
/** The monitor stack's resources besides schedules, alarms and subscriptions (key, topic, roles, function, dashboard, …: 12 today), with room to spare. */
const MONITOR_STACK_BASE_RESOURCES = 15;

/** Smallest shard: below it the fleet plan needs far more shards than checks ÷ shard size, and far longer to find them. */
export const MIN_SHARD_CHECKS = 10;

/**
 * Most runner shards the fleet plan (lib/fleet/plan.ts) makes of `checks` checks of one interval in
 * shards of at most `max`: it starts from the fewest that could hold them and adds shards until none
 * is over `max`, which ends below this many (a test sweeps the real plan); never more than one per check.
 */
export function shardEstimate(checks: number, max: number): number {
  const slack = max >= 50 ? 2 : max >= 20 ? 3 : 5;
  return Math.min(checks, slack * Math.ceil(checks / max));
}

// ---------------------------------------------------------------------------------------------
// Field builders: each reports one problem per field, in words, never zod's default text.

const FINITE = 'must be a finite number';
const nonFinite = (v: unknown) => typeof v === 'number' && !Number.isFinite(v);

/** "1 minute", "2 minutes", "1 ms", "1 byte". */
const quantity = (n: number, unit: string) => (n === 1 && unit !== 'ms' && unit.endsWith('s') ? `${n} ${unit.slice(0, -1)}` : `${n} ${unit}`);

/** A whole number from min to max: the range is checked first, so 1e308 reads "at most", not "whole". */
const wholeIn = (min: number, max: number, unit: string, whyMax = '') =>
  z
    .number({ error: (iss) => (nonFinite(iss.input) ? FINITE : `must be a number of ${unit}`) })
    .superRefine((v, ctx) => {
      const message =
        v < min
          ? `must be at least ${quantity(min, unit)}`
          : v > max
            ? `must be at most ${quantity(max, unit)}${whyMax}`
            : !Number.isInteger(v)
              ? `must be a whole number of ${unit}`
              : undefined;
      if (message) ctx.addIssue({ code: 'custom', message, input: v });
    });

/** A count of at least 1; the upper bound depends on the fleet (checked across fields). */
const countOf = (noun: string) =>
  z
    .number({ error: (iss) => (nonFinite(iss.input) ? FINITE : `must be a number of ${noun}`) })
    .superRefine((v, ctx) => {
      const message = v < 1 ? `must be at least 1 (a count of ${noun})` : !Number.isInteger(v) ? `must be a whole number of ${noun}` : undefined;
      if (message) ctx.addIssue({ code: 'custom', message, input: v });
    });

/** A string matching `re`; a value of another type gets the same message. */
const pattern = (re: RegExp, message: string) => z.string({ error: message }).regex(re, { error: message });

/** A string checked by `problemOf` (the first rule it breaks, or undefined). */
const checkedString = (typeError: string, problemOf: (value: string) => { message: string; input?: unknown } | string | undefined) =>
  z.string({ error: typeError }).superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem === undefined) return;
    const { message, input } = typeof problem === 'string' ? { message: problem, input: value } : problem;
    ctx.addIssue({ code: 'custom', message, input: input === undefined ? value : input });
  });

const nonEmpty = (what: string) => z.string({ error: `must be ${what}` }).min(1, { error: 'must not be empty' });

// ---------------------------------------------------------------------------------------------
// Regions: `locations` and `homeRegion` name regions this aws-cdk-lib knows (contracts/regions.ts,
// generated from aws-cdk-lib/region-info), all in one partition.

const KNOWN_REGIONS = Object.keys(REGION_PARTITIONS);

/** Levenshtein distance, for "e.g. <the closest known region>". */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The known region closest to a misspelt one (at most 3 edits away; the first in order on a tie), else eu-west-1. */
function closestRegion(value: string): string {
  let best = 'eu-west-1';
  let bestDistance = 4;
  for (const region of KNOWN_REGIONS) {
    const d = editDistance(value, region);
    if (d < bestDistance) [best, bestDistance] = [region, d];
  }
  return best;
}

/** A region name this aws-cdk-lib knows: the runner stacks are pinned to it and the runners publish to it. */
const regionSchema = checkedString(REGION_ERROR, (value) => {
  if (partitionOf(value) !== undefined) return undefined;
  if (partitionOf(value.trim().toLowerCase()) !== undefined) return `must be written as AWS writes it, "${value.trim().toLowerCase()}"`;
  return `must be an AWS region this aws-cdk-lib knows (${KNOWN_REGIONS.length} regions, e.g. ${closestRegion(value)})`;
});

// ---------------------------------------------------------------------------------------------
// Credentials in URLs (DESIGN §4: "A configuration that puts a credential into a URL is rejected").

/** Words that make a query parameter a credential: token, access_token, api_key, key, auth, password, secret, sig, … */
const CREDENTIAL_WORDS: ReadonlySet<string> = new Set([
  'token', 'accesstoken', 'authtoken', 'secret', 'password', 'passwd', 'pwd', 'pass', 'sig', 'signature',
  'jwt', 'auth', 'key', 'apikey', 'credential', 'credentials', 'session', 'sessionid', 'bearer',
]);
/** Pagination tokens are not credentials (page_token, next_token, continuationToken, cursor_token). */
const PAGING_WORDS: ReadonlySet<string> = new Set(['page', 'next', 'continuation', 'cursor', 'sync']);

/** True when a query parameter's name says it carries a credential. */
export function isCredentialParam(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.some((w) => PAGING_WORDS.has(w))) return false;
  return words.some((w) => CREDENTIAL_WORDS.has(w)) || CREDENTIAL_WORDS.has(words.join(''));
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/** `scheme://` and the user info before the host's `@` (the last `@` of the authority). */
const USERINFO_RE = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"]*@/gi;
/** `name=value` after `?`, `&` or `#`. */
const PARAM_RE = /([?&#])([^=&#\s"]+)=([^&#\s"]*)/g;

/** Text with every credential-looking URL part (user info, token-like parameters) shown as `***`. */
export function redactCredentials(text: string): string {
  return text
    .replace(USERINFO_RE, '$1***@')
    .replace(PARAM_RE, (all, sep: string, name: string, value: string) => (value && isCredentialParam(decodeName(name)) ? `${sep}${name}=***` : all));
}

/** Names of the query parameters (as written) that carry a credential and a value. */
function credentialParams(url: string): string[] {
  const start = url.indexOf('?');
  if (start === -1) return [];
  const end = url.indexOf('#', start);
  return url
    .slice(start + 1, end === -1 ? undefined : end)
    .split('&')
    .flatMap((pair) => {
      const eq = pair.indexOf('=');
      return eq > 0 && eq < pair.length - 1 && isCredentialParam(decodeName(pair.slice(0, eq))) ? [pair.slice(0, eq)] : [];
    });
}

const AUTHORITY_RE = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i;

/** The port as written in the authority, if any (read before parsing: WHATWG URL throws on 99999). */
function writtenPort(url: string): string | undefined {
  const authority = AUTHORITY_RE.exec(url)?.[1];
  if (authority === undefined) return undefined;
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  return /^(?:\[[^\]]*\]|[^:]*):(\d+)$/.exec(host)?.[1];
}

const USERINFO_PROBLEM =
  'must not carry a credential in its user info (***@): put it in tokens and use auth ' +
  '(for user:password, auth {"scheme": "Basic"} with the base64 of user:password as the token)';

/** What every URL-like field refuses first, in this order: credentials (never echoed), then a port out of range. */
function credentialOrPortProblem(value: string): string | undefined {
  if (AUTHORITY_RE.exec(value)?.[1]?.includes('@')) return USERINFO_PROBLEM;
  const params = credentialParams(value);
  if (params.length) {
    return (
      `must not carry a credential in its query (${params.map((p) => `${p}=***`).join(', ')}): ` +
      `put the token in tokens and use auth {"in": "query", "param": "${decodeName(params[0]!)}"}`
    );
  }
  const port = writtenPort(value);
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65_535)) return `must have a port from 1 to 65535 (${Number(port)} is out of range)`;
  return undefined;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The first problem of a check's URL. */
function checkUrlProblem(value: string, kind: CheckKind): string | undefined {
  const early = credentialOrPortProblem(value);
  if (early) return early;
  const url = parseUrl(value);
  if (!url) return 'must be an absolute URL';
  const schemes = KINDS[kind].schemes;
  if (!schemes.includes(url.protocol.slice(0, -1))) {
    return `must use ${schemes.map((s) => `${s}://`).join(' or ')} for ${kind === 'http' ? 'an' : 'a'} ${kind} check`;
  }
  if (url.username || url.password) return USERINFO_PROBLEM;
  const shown = redactCredentials(value);
  const fragment = shown.slice(shown.indexOf('#'));
  if (shown.includes('#')) {
    return (
      `must not have a fragment (${fragment.length > 30 ? `${fragment.slice(0, 27)}...` : fragment}): a fragment never reaches the server` +
      (kind === 'websocket' ? ', and the WebSocket client refuses a URL with one' : '')
    );
  }
  return undefined;
}

const urlSchema = (kind: CheckKind) =>
  checkedString(`must be an absolute ${KINDS[kind].schemes.map((s) => `${s}://`).join(' or ')} URL`, (value) => {
    const message = checkUrlProblem(value, kind);
    return message && { message, input: redactCredentials(value) };
  });

const ORIGIN_ERROR = 'must be an origin like https://example.com (scheme and host, no path)';

/** The Origin a browser would send: `https://host[:port]`, lower-case, no default port, nothing after. */
const originSchema = checkedString(ORIGIN_ERROR, (value) => {
  const early = credentialOrPortProblem(value);
  if (early) return { message: early, input: redactCredentials(value) };
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return ORIGIN_ERROR;
  if (url.username || url.password) return { message: USERINFO_PROBLEM, input: redactCredentials(value) };
  if (value === url.origin) return undefined;
  if (url.pathname !== '/' || url.search || /[?#]|\/$/.test(value)) return ORIGIN_ERROR;
  return `must be written as a browser sends it, "${url.origin}"`;
});

// ---------------------------------------------------------------------------------------------
// Headers

/** Headers the probe sets itself; a configured value would break the request or be ignored. */
const PROBE_HEADERS: Readonly<Record<string, string>> = {
  host: 'it follows from the URL',
  'content-length': 'the probe frames the request',
  'transfer-encoding': 'the probe frames the request',
  te: 'the probe frames the request',
  trailer: 'the probe frames the request',
  expect: 'the probe frames the request',
  connection: 'the probe manages the connection',
  'keep-alive': 'the probe manages the connection',
  'proxy-connection': 'the probe manages the connection',
  upgrade: 'the probe manages the connection; a WebSocket upgrade is a websocket check',
  'accept-encoding': 'the probe asks only for encodings it can decode',
};

/** Why the probe must control this header, if it must. */
function probeHeaderReason(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.startsWith('sec-websocket-')) return 'the WebSocket client sets the handshake headers';
  return Object.hasOwn(PROBE_HEADERS, lower) ? PROBE_HEADERS[lower] : undefined;
}

/** Headers that carry a credential: credentials belong in tokens, never in the configuration. */
const CREDENTIAL_HEADERS: Readonly<Record<string, string>> = {
  authorization: 'must not be set: put the token in tokens and use auth, which sends it in this header (auth {"scheme": "Token"} sends "Authorization: Token <token>")',
  'proxy-authorization': 'must not be set: it carries a credential, and credentials belong in tokens (auth {"header": "Proxy-Authorization"} sends one)',
  cookie: 'must not be set: a cookie is a credential, and credentials belong in tokens, sent by auth in a header or the query',
};

const headersSchema = z
  .record(z.string(), z.string({ error: "must be a string (the header's value)" }), {
    error: 'must be an object of header names and values, such as {"X-Request-Id": "synthmon"}',
  })
  .superRefine(
    (headers, ctx) => {
      if (!headers || typeof headers !== 'object') return;
      const seen = new Map<string, string>();
      for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
        if (typeof value !== 'string') continue; // already reported as not a string
        const add = (message: string, input: unknown, path: PropertyKey[] = [name]) => ctx.addIssue({ code: 'custom', path, message, input });
        const lower = name.toLowerCase();
        const other = seen.get(lower);
        seen.set(lower, other ?? name);
        // Formatted as "<path> key must be …, got <name>": the name itself is what is wrong.
        if (!HTTP_TOKEN_RE.test(name)) add(`key ${HEADER_NAME_ERROR}`, name, []);
        else if (Object.hasOwn(CREDENTIAL_HEADERS, lower)) add(CREDENTIAL_HEADERS[lower]!, '***');
        else if (probeHeaderReason(name)) add(`must not be set: the probe controls this header (${probeHeaderReason(name)})`, value);
        else if (other !== undefined) add(`must not repeat header "${other}" (header names ignore case)`, value);
        else if (/[\r\n]/.test(value)) add('must not contain a line break (CR or LF): it would end the header and inject another', value);
        else if (/[^\t\x20-\x7e]/.test(value)) add('must contain only printable ASCII characters, spaces and tabs', value);
      }
    },
    { when: () => true },
  );

// ---------------------------------------------------------------------------------------------
// Tokens

const PARAMETER_ERROR = 'must be an SSM parameter name such as /synthmon/api-token (letters, digits, _ . - and /)';

/** SSM's parameter-name rules (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html). */
function parameterProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9_.\-/]{1,1011}$/.test(name)) return PARAMETER_ERROR;
  if (name.includes('/') && !name.startsWith('/')) return 'must start with "/" when it has levels (SSM wants a fully qualified hierarchy), such as /synthmon/api-token';
  if (/\/\/|\/$/.test(name) || name === '/') return 'must not have an empty level ("//" or a trailing "/")';
  if (name.split('/').filter(Boolean).length > 15) return 'must have at most 15 levels (the SSM hierarchy limit)';
  if (/^\/?(?:aws|ssm)/i.test(name)) return 'must not start with "aws" or "ssm" (reserved by SSM)';
  return undefined;
}

/** Where a named token is kept: SSM Parameter Store (default) or Secrets Manager; locally an environment variable. */
export const TokenSchema = z
  .object(
    {
      /** Filled in by validation (the key); accepted so a validated configuration validates again. */
      name: z.string({ error: 'must be the token\'s own name (its key in tokens)' }).optional(),
      /** Local runs (CLI) read the token from this environment variable. @default - SYNTHMON_TOKEN for "default", else SYNTHMON_TOKEN_<NAME> */
      env: pattern(ENV_NAME_RE, 'must be an environment variable name').optional(),
      /** SSM Parameter Store SecureString (standard tier) that the operator creates. @default - /synthmon/<token name> */
      parameter: checkedString(PARAMETER_ERROR, parameterProblem).optional(),
      /** An existing Secrets Manager secret instead of a parameter (name or ARN). */
      secret: z
        .union(
          [
            z.object({ name: pattern(SECRET_NAME_RE, 'must be a Secrets Manager secret name') }).strict(),
            z.object({ arn: pattern(ARN_SECRET_RE, 'must be a Secrets Manager secret ARN') }).strict(),
          ],
          { error: 'must be {"name": "..."} or {"arn": "arn:aws:secretsmanager:..."}' },
        )
        .optional(),
    },
    { error: 'must be an object such as {"parameter": "/synthmon/api-token"}' },
  )
  .strict()
  .superRefine((t, ctx) => {
    if (t.parameter !== undefined && t.secret !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'must not be set together with parameter (the token lives in one store)', input: t.secret });
    }
  });

const tokensSchema = z
  .record(pattern(NAME_RE, NAME_ERROR), TokenSchema, { error: 'must be an object of named tokens, such as {"default": {"parameter": "/synthmon/default"}}' })
  .superRefine(
    (tokens, ctx) => {
      if (!tokens || typeof tokens !== 'object') return;
      // Each token used by a check gets a stack output named after it without hyphens (TokenApi1 for
      // "api-1" and "api1"): two such names would crash `cdk synth` with a duplicate construct id.
      const byId = new Map<string, string>();
      for (const [name, token] of Object.entries(tokens as Record<string, unknown>)) {
        if (!NAME_RE.test(name)) continue;
        const id = name.replace(/-/g, '');
        const other = byId.get(id);
        if (other !== undefined) {
          ctx.addIssue({ code: 'custom', path: [name], message: `must differ from token "${other}" by more than hyphens (each token's stack output is named after it without hyphens)`, input: name });
        } else byId.set(id, name);
        const given = (token as { name?: unknown } | undefined)?.name;
        if (typeof given === 'string' && given !== name) {
          ctx.addIssue({ code: 'custom', path: [name, 'name'], message: `must be the token's key, "${name}" (it is filled in from the key)`, input: given });
        }
      }
    },
    { when: () => true },
  );

/** A named token, resolved: where it lives in AWS and which variable holds it locally. */
export interface ResolvedToken {
  readonly name: string;
  readonly env: string;
  /** Exactly one of parameter / secret. */
  readonly parameter?: string;
  readonly secret?: { readonly name: string } | { readonly arn: string };
}

// ---------------------------------------------------------------------------------------------
// Checks

/** A final HTTP status: the client never ends with a 1xx, and 101 is a WebSocket upgrade. */
const HTTP_STATUS_ERROR = 'must be an HTTP status code (a whole number from 200 to 599)';
const expectStatusSchema = z
  .number({ error: (iss) => (nonFinite(iss.input) ? FINITE : HTTP_STATUS_ERROR) })
  .superRefine((v, ctx) => {
    const message =
      v === 101
        ? 'must not be 101 (Switching Protocols): that is the answer to a WebSocket upgrade; use a websocket check (ws:// or wss://) for it'
        : !Number.isInteger(v) || v < 200 || v > 599
          ? HTTP_STATUS_ERROR
          : undefined;
    if (message) ctx.addIssue({ code: 'custom', message, input: v });
  });

const intervalSchema = z.union(
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
        const reason = name.toLowerCase() === 'origin' ? 'the probe sends the check\'s origin' : probeHeaderReason(name);
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
            .array(pattern(FIELD_PATH_RE, 'must be a dotted path such as "data.items"'), { error: 'must be a list of dotted paths such as ["results", "data.items"]' })
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
type ParsedCheck = z.infer<typeof CheckSchema>;
/** A validated check: its interval and deadline resolved. */
export type Check = ParsedCheck & { readonly intervalSeconds: IntervalSeconds; readonly timeoutMs: number; readonly retryDelayMs: number };
export type WebSocketCheck = Extract<Check, { kind: 'websocket' }>;
export type HttpCheck = Extract<Check, { kind: 'http' }>;

// ---------------------------------------------------------------------------------------------
// Alarms and notifications

const alarmSchema = (d: { datapointsToAlarm: number; evaluationPeriods: number; threshold: number }, noun: string) =>
  z
    .object(
      {
        /** M in "M out of N". */
        datapointsToAlarm: wholeIn(1, 1440, 'datapoints').default(d.datapointsToAlarm),
        /** N in "M out of N". */
        evaluationPeriods: wholeIn(1, 1440, 'periods').default(d.evaluationPeriods),
        threshold: countOf(noun).default(d.threshold),
      },
      { error: 'must be an object such as {"datapointsToAlarm": 2, "evaluationPeriods": 3, "threshold": 1}' },
    )
    .strict()
    .default(d);

const FAILED_RUNS = 'failed runs per period';
const HEARTBEATS = 'runner heartbeats per period';

/** Defaults of DESIGN §7: each datapoint is already confirmed by a retry, so 1 of 1 pages. */
export const AlarmsSchema = z
  .object(
    {
      /** Failures{Reason=refused} Sum >= threshold (failed runs per period, all locations together). */
      refused: alarmSchema({ datapointsToAlarm: 1, evaluationPeriods: 1, threshold: 1 }, FAILED_RUNS),
      /** Failures{Reason=forbidden} Sum >= threshold. */
      forbidden: alarmSchema({ datapointsToAlarm: 1, evaluationPeriods: 1, threshold: 1 }, FAILED_RUNS),
      /** Failures Sum >= threshold (any outcome but ok); fast checks: their own per-check alarm. */
      failing: alarmSchema({ datapointsToAlarm: 2, evaluationPeriods: 3, threshold: 1 }, FAILED_RUNS),
      /** ShardResults SampleCount < threshold, missing data breaching: the probe stopped. */
      silent: alarmSchema({ datapointsToAlarm: 3, evaluationPeriods: 3, threshold: 1 }, HEARTBEATS),
      /**
       * A fast check's own Failing alarm on its interval's periods: M of N confirmed ticks (each tick
       * already confirmed by a retry inside it); its threshold follows from the quorum. @default 1 of 1
       */
      fastFailing: z
        .object(
          {
            datapointsToAlarm: wholeIn(1, 1440, 'datapoints').default(1),
            evaluationPeriods: wholeIn(1, 1440, 'periods').default(1),
          },
          { error: 'must be an object such as {"datapointsToAlarm": 1, "evaluationPeriods": 1}' },
        )
        .strict()
        .default({ datapointsToAlarm: 1, evaluationPeriods: 1 }),
      /** Per TLS host: CertificateDaysLeft below `daysLeft` (hourly, 1 of 1). @default 14 days */
      certificateExpiring: z
        .object(
          { daysLeft: wholeIn(1, 365, 'days').default(14) },
          { error: 'must be an object such as {"daysLeft": 14}' },
        )
        .strict()
        .default({ daysLeft: 14 }),
    },
    { error: 'must be an object with any of refused, forbidden, failing, silent, fastFailing, certificateExpiring' },
  )
  .strict()
  .prefault({});
export type AlarmsConfig = z.infer<typeof AlarmsSchema>;

/** Each address or URL once: SNS subscriptions are keyed by their endpoint, so a repeat crashes `cdk synth`. */
function uniqueIn(list: unknown, ctx: z.RefinementCtx, key: (value: string) => string, where: string) {
  if (!Array.isArray(list)) return;
  const first = new Map<string, number>();
  list.forEach((value: unknown, i) => {
    if (typeof value !== 'string') return;
    const k = key(value);
    const at = first.get(k);
    if (at === undefined) first.set(k, i);
    else ctx.addIssue({ code: 'custom', path: [where, i], message: `must be unique (also notifications.${where}[${at}])`, input: value });
  });
}

const httpsEndpoint = checkedString('must be an https:// URL', (value) => {
  const url = parseUrl(value);
  if (!url || url.protocol !== 'https:') return 'must be an https:// URL';
  const port = writtenPort(value);
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65_535)) return `must have a port from 1 to 65535 (${Number(port)} is out of range)`;
  return undefined;
});

const NotificationsSchema = z
  .object(
    {
      emails: z.array(pattern(EMAIL_RE, 'must be an email address'), { error: 'must be a list of email addresses' }).default([]),
      httpsEndpoints: z.array(httpsEndpoint, { error: 'must be a list of https:// URLs' }).default([]),
      ...NOTIFICATION_CHANNEL_FIELDS,
    },
    { error: 'must be an object such as {"emails": ["oncall@example.com"]}' },
  )
  .strict()
  .superRefine(
    (n, ctx) => {
      if (!n || typeof n !== 'object') return;
      uniqueIn(n.emails, ctx, (e) => e.toLowerCase(), 'emails');
      uniqueIn(n.httpsEndpoints, ctx, (u) => parseUrl(u)?.href ?? u, 'httpsEndpoints');
    },
    { when: () => true },
  )
  .prefault({});

// ---------------------------------------------------------------------------------------------
// The configuration

const checksSchema = z
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const MonitorConfigSchema = z
  .object(
    {
      /** CloudWatch namespace. @default 'SyntheticMonitor' */
      namespace: checkedString(NAMESPACE_ERROR, (ns) =>
        !NAMESPACE_RE.test(ns)
          ? NAMESPACE_ERROR
          : ns.startsWith(':')
            ? 'must not start with ":" (CloudWatch refuses it)'
            : ns.startsWith('AWS/')
              ? 'must not start with "AWS/" (reserved)'
              : undefined,
      ).default('SyntheticMonitor'),
      /** How often each check runs (and its alarm period); a check may set its own. @default 60 */
      intervalSeconds: intervalSchema.default(60),
      /** AWS regions to probe from. @default - the deploy region alone */
      locations: z
        .array(regionSchema, { error: 'must be a list of AWS region names' })
        .max(20, { error: 'must list at most 20 regions' })
        .default([]),
      /** Where metrics, alarms, dashboard and tokens live (need not be a location). @default - the first location (or the deploy region) */
      homeRegion: regionSchema.optional(),
      /** Locations that must see a failure before a class pages. @default - a majority of locations */
      quorum: wholeIn(1, 20, 'locations').optional(),
      /** Most checks one runner invocation probes (one shard). @default 50 */
      shardMaxChecks: wholeIn(MIN_SHARD_CHECKS, 500, 'checks', " (measured to fit the runner's memory)").default(DEFAULT_SHARD_MAX_CHECKS),
      /** The same for fast checks (10-30 s), whose invocation is billed for its whole minute of ticks. @default 100 */
      fastShardMaxChecks: wholeIn(MIN_SHARD_CHECKS, 500, 'checks', " (measured to fit the runner's memory)").default(FAST_SHARD_MAX_CHECKS),
      /** Named tokens that checks refer to with auth.token. @default - "default": env SYNTHMON_TOKEN, parameter /synthmon/default */
      tokens: tokensSchema.default({}),
      /** Publish DnsMs/ConnectMs/TlsMs/FirstByteMs too (each custom metric costs money monthly). @default false */
      phaseTimings: z.boolean({ error: 'must be true or false' }).default(false),
      alarms: AlarmsSchema,
      notifications: NotificationsSchema,
      maintenance: MaintenanceSchema,
      incidents: IncidentsSchema,
      checks: checksSchema,
    },
    { error: (iss) => (iss.code === 'invalid_type' ? 'must be a JSON object with at least "checks"' : undefined) },
  )
  .strict()
  // Cross-field rules run even when other fields are invalid, so every problem is reported at once;
  // each rule reads only fields that passed their own rules (one wrong field, one problem).
  .superRefine((cfg, ctx) => crossFieldRules(cfg as unknown as Record<string, unknown>, ctx), { when: (payload) => isObject(payload.value) })
  .transform((cfg) => {
    const checks = cfg.checks.map((check) => {
      const intervalSeconds = check.intervalSeconds ?? cfg.intervalSeconds;
      return {
        ...check,
        intervalSeconds,
        timeoutMs: check.timeoutMs ?? defaultTimeoutMs(intervalSeconds),
        retryDelayMs: check.retryDelayMs ?? defaultRetryDelayMs(intervalSeconds),
      } as Check;
    });
    const names = new Set([...Object.keys(cfg.tokens), ...checks.flatMap((c) => (c.auth ? [c.auth.token] : []))]);
    const tokens: Record<string, ResolvedToken> = {};
    for (const name of [...names].sort()) {
      const t = Object.hasOwn(cfg.tokens, name) ? cfg.tokens[name]! : {};
      tokens[name] = {
        name,
        env: t.env ?? defaultTokenEnv(name),
        ...(t.secret ? { secret: t.secret } : { parameter: t.parameter ?? defaultParameterName(name) }),
      };
    }
    return { ...cfg, checks, tokens };
  });

/**
 * The per-attempt deadline unless the check sets one: 10 s; for a fast check, what lets both
 * attempts (a 1 s settle window each), the 1 s retry pause and 1 s of margin end before the next
 * tick: 3 s at 10 s, 8 s at 20 s, 10 s at 30 s. A fast check confirms a failure inside its tick
 * (docs/DESIGN.md §7: the design `npm run bench` chose, `fastConfirmation`).
 */
function defaultTimeoutMs(intervalSeconds: number): number {
  if (!isFastInterval(intervalSeconds)) return 10_000;
  return Math.min(10_000, Math.floor((intervalSeconds * 1000 - FAST_RETRY_DELAY_MS - 1_000) / 2) - 1_000);
}

/** The confirmation pause unless the check sets one: 2 s, 1 s for fast checks (inside the tick). */
function defaultRetryDelayMs(intervalSeconds: number): number {
  return isFastInterval(intervalSeconds) ? FAST_RETRY_DELAY_MS : 2_000;
}

const FAST_RETRY_DELAY_MS = 1_000;

type Ctx = z.RefinementCtx & { readonly issues: ReadonlyArray<{ readonly code?: string; readonly path?: readonly PropertyKey[] }> };
type Path = readonly (string | number)[];

/** Runs per alarm period of a check of this interval, in one location (fast checks: 60 s periods). */
const runsPerPeriod = (interval: number) => (isFastInterval(interval) ? 60 / interval : 1);
const alarmPeriod = (interval: number) => (isFastInterval(interval) ? 60 : interval);
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The rules that relate fields to each other. `cfg` may be partly unparsed: every read is guarded. */
function crossFieldRules(cfg: Record<string, unknown>, zctx: z.RefinementCtx): void {
  const ctx = zctx as Ctx;
  // Paths that already have a problem (unknown keys name other fields, so they do not count).
  const reported = ctx.issues.filter((i) => i.code !== 'unrecognized_keys').map((i) => i.path ?? []);
  const ok = (...path: Path) => !reported.some((p) => path.every((k, n) => p[n] === k));
  const add = (path: Path, message: string, input: unknown) => ctx.addIssue({ code: 'custom', path: [...path], message, input });
  maintenanceRules(cfg, (path, message, input) => {
    if (ok(...path)) add(path, message, input);
  });

  const topInterval = ok('intervalSeconds') && typeof cfg.intervalSeconds === 'number' ? cfg.intervalSeconds : undefined;
  const tokenNames = isObject(cfg.tokens) ? Object.keys(cfg.tokens) : [];
  for (const p of notificationTokenProblems(cfg.notifications, tokenNames)) if (ok('notifications', ...p.path)) add(['notifications', ...p.path], p.message, p.input);
  const names = new Map<string, number>();
  const intervals = new Set<number>();
  /** Checks per interval, for the size of the monitor's stack. */
  const perInterval = new Map<number, number>();

  (Array.isArray(cfg.checks) ? cfg.checks : []).forEach((raw: unknown, i) => {
    if (!isObject(raw) || !isCheckKind(raw.kind) || !ok('checks', i, 'kind')) return;
    const check = raw as Partial<ParsedCheck> & Record<string, unknown>;
    const kind: CheckKind = raw.kind;
    const at = (...rest: Path) => ['checks', i, ...rest] as const;
    const valid = (...rest: Path) => ok(...at(...rest));

    if (typeof check.name === 'string' && valid('name')) {
      const first = names.get(check.name);
      if (first !== undefined) add(at('name'), `must be unique (also used by checks[${first}])`, check.name);
      else names.set(check.name, i);
    }

    const auth = isObject(check.auth) && valid('auth') ? (check.auth as AuthConfig) : undefined;
    const tokenName = isObject(check.auth) && valid('auth', 'token') ? (check.auth as { token?: unknown }).token : undefined;
    if (typeof tokenName === 'string' && tokenName !== DEFAULT_TOKEN_NAME && !tokenNames.includes(tokenName)) {
      add(
        at('auth', 'token'),
        `names a token that tokens does not define (${tokenNames.length ? `defined: ${tokenNames.map((k) => `"${k}"`).join(', ')}` : 'tokens is empty'})`,
        tokenName,
      );
    }

    const interval = valid('intervalSeconds') ? ((check.intervalSeconds as number | undefined) ?? topInterval) : undefined;
    if (interval !== undefined) {
      intervals.add(interval);
      perInterval.set(interval, (perInterval.get(interval) ?? 0) + 1);
    }
    const explicitTimeout = valid('timeoutMs') ? (check.timeoutMs as number | undefined) : null;
    // null: the check's own timeoutMs is wrong (already reported); undefined: the interval decides.
    const timeoutMs = explicitTimeout === null ? undefined : (explicitTimeout ?? (interval !== undefined ? defaultTimeoutMs(interval) : undefined));
    const settleMs = kind === 'websocket' ? (valid('settleMs') ? (check.settleMs as number | undefined) : undefined) : 0;

    if (interval !== undefined && timeoutMs !== undefined && settleMs !== undefined) {
      const budget = { kind, timeoutMs, settleMs };
      const retryOk = valid('retryDelayMs');
      const retryDelayMs = retryOk && typeof check.retryDelayMs === 'number' ? check.retryDelayMs : defaultRetryDelayMs(interval);
      const tickMs = runBudgetMs({ ...budget, retryDelayMs });
      if (isFastInterval(interval) && retryOk && tickMs >= interval * 1000) {
        const onTimeout = explicitTimeout !== undefined || kind !== 'websocket';
        const parts =
          retryDelayMs > 0
            ? `two attempts of ${attemptBudgetMs(budget)} ms${kind === 'websocket' ? ' (settle window included)' : ''} and the ${retryDelayMs} ms retry pause, ${tickMs} ms in all,`
            : `one attempt of ${tickMs} ms${kind === 'websocket' ? ' (settle window included)' : ''}`;
        add(
          at(onTimeout ? 'timeoutMs' : 'settleMs'),
          `leaves no room in the tick: ${parts} must end before the check's next run ${interval} s later ` +
            '(lower timeoutMs, settleMs or retryDelayMs; retryDelayMs 0 turns the confirmation retry off)',
          onTimeout ? timeoutMs : settleMs,
        );
      }
      // Unreachable with today's field bounds (at most 456 s); guards a future raise of them.
      const tokenMs = check.auth ? TOKEN_READ_MARGIN_MS : 0;
      const runMs = runBudgetMs({ ...budget, retryDelayMs }) + tokenMs + PUBLISH_MARGIN_MS;
      if (runMs > LAMBDA_MAX_TIMEOUT_S * 1000) {
        add(
          at('timeoutMs'),
          `leaves no room: two attempts, the retry pause${tokenMs ? ', reading the token' : ''} and publishing need ${runMs} ms, more than Lambda's longest timeout (${LAMBDA_MAX_TIMEOUT_S} s)`,
          timeoutMs,
        );
      }
    }

    if (kind !== 'http') return;
    const assert = isObject(check.assert) ? check.assert : {};
    const latency = valid('assert', 'maxLatencyMs') ? assert.maxLatencyMs : undefined;
    if (typeof latency === 'number' && timeoutMs !== undefined && latency >= timeoutMs) {
      add(
        at('assert', 'maxLatencyMs'),
        `must be below the check's ${explicitTimeout === undefined ? 'default ' : ''}timeoutMs (${timeoutMs} ms): a slower answer times out first, so this assertion could never fail`,
        latency,
      );
    }
    const bodyAssertions = (['json', 'fields', 'bodyContains'] as const).filter((k) => assert[k] !== undefined && valid('assert', k));
    if (bodyAssertions.length) {
      const list = bodyAssertions.map((k) => `assert.${k}`).join(', ');
      if (check.method === 'HEAD' && valid('method')) {
        add(at('method'), `must not be HEAD with body assertions (${list}): a HEAD answer has no body; use GET`, 'HEAD');
      } else if (typeof check.expectStatus === 'number' && [204, 205, 304].includes(check.expectStatus) && valid('expectStatus')) {
        add(at('expectStatus'), `must not be ${check.expectStatus} with body assertions (${list}): a ${check.expectStatus} answer has no body`, check.expectStatus);
      }
    }
    // The token header replaces a same-named extra header: the configured value would silently never be sent.
    const tokenInHeader = auth && (auth.in ?? KINDS.http.defaultTokenIn) === 'header';
    if (tokenInHeader && isObject(check.headers) && typeof auth.header === 'string') {
      for (const name of Object.keys(check.headers)) {
        if (name.toLowerCase() === auth.header.toLowerCase() && valid('headers', name) && HTTP_TOKEN_RE.test(name)) {
          add(at('headers', name), `must not be set: auth sends the token in this header (auth.header) and would replace it; the token belongs in tokens`, '***');
        }
      }
    }
  });

  // The list itself is sound (a list of at most 20): its elements are checked one by one, so a bad
  // region does not hide another's problem.
  const listOk = !reported.some((p) => p.length === 1 && p[0] === 'locations');
  const locations = listOk && Array.isArray(cfg.locations) ? (cfg.locations as unknown[]) : undefined;
  locations?.forEach((region, i) => {
    if (ok('locations', i) && locations.indexOf(region) !== i) add(['locations', i], `must be unique (also locations[${locations.indexOf(region)}])`, region);
  });
  // One partition: a runner publishes to the home region's CloudWatch and reads its tokens there,
  // and credentials of one partition are not valid in another.
  const home =
    cfg.homeRegion !== undefined
      ? ok('homeRegion') && typeof cfg.homeRegion === 'string'
        ? { region: cfg.homeRegion, name: `homeRegion "${cfg.homeRegion}"` }
        : undefined
      : locations && ok('locations', 0) && typeof locations[0] === 'string'
        ? { region: locations[0], name: `the first location "${locations[0]}" (the home region)` }
        : undefined;
  const homePartition = home && partitionOf(home.region);
  const partitions = (locations ?? []).map((region, i) => (typeof region === 'string' && ok('locations', i) ? partitionOf(region) : undefined));
  if (cfg.homeRegion !== undefined && homePartition && partitions.length && partitions.every((p) => p !== undefined && p !== homePartition)) {
    // No location shares the home region's partition: the home region is the one that is wrong.
    const others = [...new Set(partitions)];
    add(
      ['homeRegion'],
      `must be in the partition of the locations: "${home.region}" is in ${homePartition}, the locations in ${others.join(' and ')}, ` +
        'and a runner cannot publish metrics or read tokens across partitions (a monitor per partition)',
      home.region,
    );
  } else if (home && homePartition) {
    partitions.forEach((partition, i) => {
      if (partition === undefined || partition === homePartition) return;
      add(
        ['locations', i],
        `must be in the partition of the home region: "${String(locations![i])}" is in ${partition}, ${home.name} in ${homePartition}, ` +
          'and a runner cannot publish metrics or read tokens across partitions (a monitor per partition)',
        locations![i],
      );
    });
  }
  const locationCount = locations ? Math.max(1, locations.length) : undefined;
  if (locationCount !== undefined && typeof cfg.quorum === 'number' && ok('quorum') && cfg.quorum > locationCount) {
    add(['quorum'], `must not exceed the number of locations (${locationCount})`, cfg.quorum);
  }

  const alarms = isObject(cfg.alarms) ? cfg.alarms : {};
  const used = [...intervals].sort((a, b) => a - b);
  const fast = isObject(alarms.fastFailing) ? alarms.fastFailing : undefined;
  if (fast && ok('alarms', 'fastFailing', 'datapointsToAlarm') && ok('alarms', 'fastFailing', 'evaluationPeriods')) {
    const [m, n] = [fast.datapointsToAlarm, fast.evaluationPeriods];
    if (typeof m === 'number' && typeof n === 'number' && m > n) add(['alarms', 'fastFailing', 'datapointsToAlarm'], `must not exceed evaluationPeriods (${n})`, m);
    // A high-resolution alarm may look back at most a day as well.
    const fastUsed = [...intervals].filter((i) => isFastInterval(i));
    if (typeof n === 'number' && fastUsed.length && n * Math.max(...fastUsed) > STANDARD_MAX_WINDOW_SECONDS) {
      add(['alarms', 'fastFailing', 'evaluationPeriods'], `must be at most ${Math.floor(STANDARD_MAX_WINDOW_SECONDS / Math.max(...fastUsed))}: N periods of the check's interval must fit one day`, n);
    }
  }
  for (const cls of ['refused', 'forbidden', 'failing', 'silent'] as const) {
    const alarm = alarms[cls];
    if (!isObject(alarm)) continue;
    const field = (k: string) => (ok('alarms', cls, k) && typeof alarm[k] === 'number' ? (alarm[k] as number) : undefined);
    const m = field('datapointsToAlarm');
    const n = field('evaluationPeriods');
    const threshold = field('threshold');
    if (m !== undefined && n !== undefined && m > n) add(['alarms', cls, 'datapointsToAlarm'], `must not exceed evaluationPeriods (${n})`, m);
    // The intervals this class has an alarm for: fast checks' Failing is a per-check alarm of its own.
    const covered = cls === 'failing' ? used.filter((i) => !isFastInterval(i)) : used;
    if (!covered.length) continue;

    if (n !== undefined) {
      const longest = covered.reduce((a, b) => (alarmPeriod(b) > alarmPeriod(a) ? b : a));
      const period = alarmPeriod(longest);
      const window = cls === 'silent' ? STANDARD_MAX_WINDOW_SECONDS : INSIGHTS_MAX_WINDOW_SECONDS;
      const max = Math.floor(window / period);
      if (n > max) {
        add(
          ['alarms', cls, 'evaluationPeriods'],
          cls === 'silent'
            ? `must be at most ${max}: ${plural(max, 'period')} of ${period} s (checks every ${longest} s) make one day, the longest a Silent alarm may evaluate`
            : `must be at most ${max}: ${plural(max, 'period')} of ${period} s (checks every ${longest} s) fill the 3 hours a Metrics Insights alarm can evaluate`,
          n,
        );
      }
    }

    if (threshold !== undefined && (cls === 'silent' || locationCount !== undefined)) {
      // A threshold above what a period can hold never fires (Silent: is always in alarm).
      const perLocation = cls === 'silent' ? 1 : locationCount!;
      const binding = covered.reduce((a, b) => (runsPerPeriod(b) < runsPerPeriod(a) ? b : a));
      const runs = runsPerPeriod(binding);
      const max = runs * perLocation;
      if (threshold > max) {
        add(
          ['alarms', cls, 'threshold'],
          cls === 'silent'
            ? `must be at most ${max}: a runner sends ${plural(max, 'heartbeat')} per period (checks every ${binding} s), so a higher threshold is always in alarm`
            : `must be at most ${max}: a period holds at most ${plural(max, 'failed run')} ` +
                `(${plural(runs, 'run')} of a ${binding} s check per ${alarmPeriod(binding)} s period${perLocation > 1 ? `, in each of ${perLocation} locations` : ''}), so a higher threshold never fires`,
          threshold,
        );
      }
    }
  }

  // The monitor's stack holds the home location's schedules (one per shard), the first alarms
  // (Silent per shard and location, one per fast check, three per interval) and a resource per
  // subscription; past that CloudFormation refuses the stack and `cdk synth` fails.
  const maxPerShard = ok('shardMaxChecks') && typeof cfg.shardMaxChecks === 'number' ? cfg.shardMaxChecks : undefined;
  const maxPerFastShard = ok('fastShardMaxChecks') && typeof cfg.fastShardMaxChecks === 'number' ? cfg.fastShardMaxChecks : undefined;
  const notifications = isObject(cfg.notifications) ? cfg.notifications : {};
  const subscriptions = [notifications.emails, notifications.httpsEndpoints].reduce<number>((n, l) => n + (Array.isArray(l) ? l.length : 0), 0);
  if (maxPerShard !== undefined && maxPerFastShard !== undefined && locationCount !== undefined && perInterval.size && ok('checks') && Array.isArray(cfg.checks)) {
    const counts = [...perInterval.entries()];
    const shards = counts.reduce((n, [interval, count]) => n + shardEstimate(count, isFastInterval(interval) ? maxPerFastShard : maxPerShard), 0);
    const fast = counts.reduce((n, [interval, count]) => n + (isFastInterval(interval) ? count : 0), 0);
    // One CertificateExpiring alarm per TLS host: at most one per check.
    const alarmCount = 3 * perInterval.size + fast + shards * locationCount + 1 + cfg.checks.length;
    const inMonitor = Math.min(alarmCount, alarmsInMonitorStack(shards, subscriptions));
    const nested = Math.ceil((alarmCount - inMonitor) / ALARMS_PER_MONITOR_STACK);
    const resources = MONITOR_STACK_BASE_RESOURCES + subscriptions + shards + inMonitor + nested;
    if (resources > STACK_MAX_RESOURCES) {
      add(
        ['checks'],
        `must fit one monitor stack: ${cfg.checks.length} checks in up to ${shards} runner shards (shardMaxChecks ${maxPerShard}${fast ? `, fastShardMaxChecks ${maxPerFastShard}` : ''}) from ${plural(locationCount, 'location')} ` +
          `need about ${resources} resources (a schedule per shard, a Silent alarm per shard and location, an alarm per fast check), more than the ${STACK_MAX_RESOURCES} CloudFormation allows; ` +
          'raise shardMaxChecks, probe from fewer locations or split the fleet into several monitors',
        cfg.checks.length,
      );
    }
  }
}

export type MonitorConfig = z.output<typeof MonitorConfigSchema>;

/**
 * The home region (DESIGN §4): `homeRegion`, else the first location; undefined for a monitor that
 * names neither (it lives in the deploy region).
 */
export function homeRegionOf(config: Pick<MonitorConfig, 'homeRegion' | 'locations'>): string | undefined {
  return config.homeRegion ?? config.locations[0];
}
export type MonitorConfigInput = z.input<typeof MonitorConfigSchema>;

// Runtime helpers live in ./kinds (no zod), so the probes and the Lambda load without the schema.
export { attemptBudgetMs, PUBLISH_MARGIN_MS, runBudgetMs, TOKEN_READ_MARGIN_MS, tokenPlacement } from './kinds';

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

/** The value received, as JSON (Infinity and NaN by name), credentials in URLs masked, cut at 80 characters. */
function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  let text: string;
  try {
    text =
      JSON.stringify(input, (_key, v: unknown) => (nonFinite(v) || typeof v === 'bigint' ? String(v) : v)) ?? String(input);
    if (nonFinite(input)) text = String(input);
  } catch {
    text = Object.prototype.toString.call(input); // a cycle (the construct API can pass one)
  }
  text = redactCredentials(text);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** v1 keys: say what replaced them instead of "unknown key". */
const MOVED_KEYS: ReadonlyArray<{ readonly at: (path: readonly PropertyKey[]) => boolean; readonly key: string; readonly hint: (value: unknown) => string }> = [
  {
    at: (p) => p.length === 0,
    key: 'intervalMinutes',
    hint: (v) => {
      const seconds = typeof v === 'number' ? v * 60 : undefined;
      return `was replaced by intervalSeconds (60 = 1 minute)${seconds !== undefined && (INTERVALS as readonly number[]).includes(seconds) ? `: write "intervalSeconds": ${seconds}` : ''}`;
    },
  },
  { at: (p) => p.length === 0, key: 'functionTimeoutSeconds', hint: () => "is no longer set: the runner's timeout follows from the checks' deadlines" },
  { at: (p) => p.length === 3 && p[0] === 'checks' && p[2] === 'auth', key: 'tokenEnv', hint: () => 'moved to tokens.<name>.env; name the token with auth.token' },
  { at: (p) => p.length === 3 && p[0] === 'checks' && p[2] === 'auth', key: 'secret', hint: () => 'moved to tokens.<name>.secret; name the token with auth.token' },
];

/** One issue as problems: its path, what is expected, what was received. */
function describeIssue(issue: z.core.$ZodIssue): Array<{ path: string; text: string }> {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const input = isObject(issue.input) ? issue.input : {};
    const out: Array<{ path: string; text: string }> = [];
    const unknown: string[] = [];
    for (const key of issue.keys) {
      const moved = MOVED_KEYS.find((m) => m.key === key && m.at(issue.path));
      if (moved) out.push({ path: formatPath([...issue.path, key]), text: `${formatPath([...issue.path, key])} ${moved.hint(input[key])}, got ${describeInput(input[key])}` });
      else unknown.push(key);
    }
    if (unknown.length) out.push({ path: `${path}:unknown`, text: `${path}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}` });
    return out;
  }
  if (issue.code === 'invalid_key') {
    // A record key (e.g. a token name) failed: name the record and the key, not "Invalid key in record".
    const key = issue.path.at(-1);
    return [{ path, text: `${formatPath(issue.path.slice(0, -1))} key ${issue.issues[0]?.message ?? 'is invalid'}, got ${describeInput(key)}` }];
  }
  // A bad record key ("key must be …") is a problem of that key: each key is its own field.
  if (issue.code === 'custom' && issue.message.startsWith('key ')) {
    return [{ path: `${path} key ${String(issue.input)}`, text: `${path} ${issue.message}, got ${describeInput(issue.input)}` }];
  }
  // A bad discriminator reports the whole check as its input; show just the kind.
  const input =
    issue.path.at(-1) === 'kind' && issue.input && typeof issue.input === 'object' ? (issue.input as { kind?: unknown }).kind : issue.input;
  return [{ path, text: `${path} ${issue.message}, got ${describeInput(input)}` }];
}

/**
 * Words for anything a field builder above does not cover, so zod's own text ("Invalid input:
 * expected string, received number") never reaches a user.
 */
function fallbackMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = String(issue.expected);
      if (nonFinite(issue.input)) return FINITE;
      const noun = expected === 'array' ? 'a list' : expected === 'boolean' ? 'true or false' : /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
      return `must be ${noun}`;
    }
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) === 1 ? 'must not be empty' : `must have at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'items' : 'characters'}`;
    case 'too_big':
      return `must have at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'items' : issue.origin === 'string' ? 'characters' : ''}`.trimEnd();
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    default:
      return 'is not valid here';
  }
}

/** Validate raw configuration; throws ConfigError naming every problem with its path and input. */
export function parseConfig(raw: unknown, source = 'configuration'): MonitorConfig {
  const result = MonitorConfigSchema.safeParse(raw, { reportInput: true, error: fallbackMessage });
  if (result.success) return result.data;
  // One field, one problem: the first rule it broke (the field builders stop at their first, and a
  // cross-field rule never adds to a field that already has one; this is the last safety net).
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const { path, text } of result.error.issues.flatMap(describeIssue)) {
    if (seen.has(path)) continue;
    seen.add(path);
    problems.push(text);
  }
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
