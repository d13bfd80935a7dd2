/**
 * Runtime helpers over a validated check, kept apart from the zod schema (lambda/config.ts) so the
 * probes and the Lambda handler load without zod: the configuration is validated once, by the CDK
 * app and the CLI (DESIGN §4), and zod costs ~90 ms of a cold start.
 */
import type { Check } from './config';
import { redactUrl } from './redact';

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

/**
 * Time reserved for reading a check's token from Secrets Manager (the token source's whole-read
 * deadline, lambda/token-source.ts uses this value); only checks with auth need it.
 */
export const TOKEN_READ_MARGIN_MS = 6_000;

/** Longest one attempt may take: the deadline, plus the settle window for WebSockets. */
export function attemptBudgetMs(check: Check): number {
  return check.timeoutMs + (check.kind === 'websocket' ? check.settleMs : 0);
}

/** Where the token goes, with the kind's default applied. */
export function tokenPlacement(check: Check): 'header' | 'query' {
  return check.auth?.in ?? (check.kind === 'websocket' ? 'query' : 'header');
}


/** A request carrying the token where the check puts it. */
export interface TokenPlacement {
  /** The URL to request (with the token when it goes in the query). */
  readonly url: URL;
  /** The same URL for results and logs: the token shown as `***`. */
  readonly displayUrl: string;
  /** `<header>: <scheme> <token>`, when the token goes in a header. */
  readonly header?: { readonly name: string; readonly value: string; readonly scheme: string };
}

/** Put the token (if any) where the check says: the query parameter or the auth header. */
export function placeToken(check: Check, token: string | undefined): TokenPlacement {
  const url = new URL(check.url);
  const inQuery = tokenPlacement(check) === 'query';
  const param = check.auth?.param ?? AUTH_DEFAULTS.param;
  if (token && inQuery) url.searchParams.set(param, token);
  const displayUrl = redactUrl(url.toString(), token, inQuery ? param : undefined);
  if (!token || inQuery) return { url, displayUrl };
  const scheme = check.auth?.scheme ?? AUTH_DEFAULTS.scheme;
  return { url, displayUrl, header: { name: check.auth?.header ?? AUTH_DEFAULTS.header, value: `${scheme} ${token}`, scheme } };
}
