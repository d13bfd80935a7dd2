/**
 * Runtime helpers over a validated check, kept apart from the zod schema (lambda/config.ts) so the
 * probes and the Lambda handler load without zod: the configuration is validated once, by the CDK
 * app and the CLI (DESIGN §4), and zod costs ~90 ms of a cold start.
 */
import type { Check } from './config';

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

