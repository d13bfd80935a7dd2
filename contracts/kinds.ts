/**
 * The check-kind registry (docs/DESIGN.md#kinds-of-check): everything that differs between kinds of check, in one
 * `Record<CheckKind, …>`. Consumers read a kind's entry instead of testing `kind === 'websocket'`,
 * so a new kind is an entry here, its schema in ./config/checks.ts and its probe in lambda/probes/ (with one
 * loader line in lambda/probe-loaders.ts); the compiler points at every table that lacks it.
 * No imports: the runtime, the CDK app and the CLI all load this cheaply.
 */

/** The kinds of check, in documentation order. */
export const CHECK_KINDS = ['websocket', 'http'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** What a kind is, for every consumer. */
export interface KindSpec {
  /** Human label, e.g. in alarm descriptions and the CLI ("WebSocket", "HTTP"). */
  readonly label: string;
  /** URL schemes (without ':') a check of this kind accepts; the first is the plain one. */
  readonly schemes: readonly string[];
  /** Schemes that run TLS (the probe reads the certificate; CertificateDaysLeft). */
  readonly tlsSchemes: readonly string[];
  /** Where the token goes unless the check says otherwise. */
  readonly defaultTokenIn: 'header' | 'query';
  /** True when an attempt keeps the connection open for a settle window after success (`settleMs`). */
  readonly settles: boolean;
  /**
   * Seconds of Lambda time a healthy attempt takes besides any settle window, for the cost model
   * (measured on loopback plus a typical internet round trip; see lib/cost/estimate.ts).
   */
  readonly healthyRunSeconds: number;
}

export const KINDS: Readonly<Record<CheckKind, KindSpec>> = {
  websocket: {
    label: 'WebSocket',
    schemes: ['ws', 'wss'],
    tlsSchemes: ['wss'],
    defaultTokenIn: 'query',
    settles: true,
    healthyRunSeconds: 0.3,
  },
  http: {
    label: 'HTTP',
    schemes: ['http', 'https'],
    tlsSchemes: ['https'],
    defaultTokenIn: 'header',
    settles: false,
    healthyRunSeconds: 0.3,
  },
};

/** True when `value` names a kind (for untrusted input such as an event). */
export function isCheckKind(value: unknown): value is CheckKind {
  return typeof value === 'string' && (CHECK_KINDS as readonly string[]).includes(value);
}

/** The kind whose schemes include this URL's scheme (`wss:` → websocket), if any. */
export function kindForUrl(url: string): CheckKind | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  return CHECK_KINDS.find((k) => scheme !== undefined && KINDS[k].schemes.includes(scheme));
}

/**
 * The host name (lower case) whose certificate a check or result reads, when its URL runs TLS
 * (wss://, https://): the `Host` of CertificateDaysLeft and of the CertificateExpiring alarm.
 */
export function tlsHostOf(target: { readonly kind: CheckKind; readonly url: string }): string | undefined {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return undefined;
  }
  return KINDS[target.kind].tlsSchemes.includes(url.protocol.slice(0, -1)) ? url.hostname.toLowerCase() || undefined : undefined;
}

/** Defaults of a check's `auth` (the schema applies them; the CLI and handler fall back to them). */
export const AUTH_DEFAULTS = {
  scheme: 'Token',
  header: 'Authorization',
  param: 'token',
  tokenEnv: 'SYNTHMON_TOKEN',
} as const;

/**
 * Time reserved in the function for publishing metrics after the attempts: the publisher's worst
 * case (PUBLISH_WORST_CASE_MS in lambda/metrics/publish.ts, 4 attempts × 5 s + backoff) plus 2 s
 * for the EMF fallback and logging. A test keeps the two in step.
 */
export const PUBLISH_MARGIN_MS = 30_000;

/** Time reserved for reading a token from its store (the token source's whole-read deadline uses this value). */
export const TOKEN_READ_MARGIN_MS = 6_000;

/** The fields the time budget depends on (a validated check has them all). */
export interface BudgetFields {
  readonly kind: CheckKind;
  readonly timeoutMs: number;
  readonly settleMs?: number;
}

/** Longest one attempt may take: the deadline, plus the settle window for kinds that settle. */
export function attemptBudgetMs(check: BudgetFields): number {
  return check.timeoutMs + (KINDS[check.kind].settles ? (check.settleMs ?? 0) : 0);
}

/** Where a check's token goes, with its kind's default applied. */
export function tokenPlacement(check: { readonly kind: CheckKind; readonly auth?: { readonly in?: 'header' | 'query' } }): 'header' | 'query' {
  return check.auth?.in ?? KINDS[check.kind].defaultTokenIn;
}

/** Longest run of one check: two attempts and the retry pause (the settle window counted in each attempt). */
export function runBudgetMs(check: BudgetFields & { readonly retryDelayMs: number }): number {
  return attemptBudgetMs(check) * (check.retryDelayMs > 0 ? 2 : 1) + check.retryDelayMs;
}
