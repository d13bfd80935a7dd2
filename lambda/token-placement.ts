/**
 * Token placement over a validated check, kept apart from the zod schema (contracts/config/) so
 * the probes and the Lambda handler load without zod (it costs ~90 ms of a cold start).
 */
import type { Check } from '../contracts/config';
import { AUTH_DEFAULTS, tokenPlacement } from '../contracts/kinds';
import { redactUrl } from './redact';

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
