/**
 * What a channel is, and what every channel needs: its secrets from the token store (names in the
 * configuration, values only here, in memory, for the attempt) and redaction of those values from
 * anything it says.
 */
import type { Delivery, Notification } from '../../contracts/notification';
import { redact } from '../redact';
import { isTokenError, type TokenStore } from '../tokens';
import type { AttemptOutcome } from './retry';

/** One configured destination. `deliver` never throws and never says a secret. */
export interface Channel {
  /** `pagerDuty`, `webhooks[0]`, `slack`, `teams`, `amazonQ`, `email`. */
  readonly id: string;
  deliver(n: Notification, opts: { readonly deadline: number }): Promise<Delivery>;
}

/**
 * Every form of a secret that text could carry: the value, and for a URL (Slack, Teams: the URL is
 * the credential) the URL without its scheme, its path and query, and each long path segment.
 */
export function secretForms(value: string): string[] {
  const forms = [value];
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') {
      forms.push(value.replace(/^[a-z]+:\/\//i, ''), `${url.pathname}${url.search}`);
      forms.push(...url.pathname.split('/').filter((s) => s.length >= 8));
      if (url.search.length > 8) forms.push(url.search.slice(1));
    }
  } catch {
    // Not a URL: the value alone.
  }
  // Longest first, so a shorter form never leaves part of a longer one behind.
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** `text` with every form of every secret masked. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) for (const form of secretForms(s)) out = redact(out, form);
  return out;
}

/** The outcome with its error redacted of `secrets`. */
export function redactOutcome(outcome: AttemptOutcome, secrets: readonly string[]): AttemptOutcome {
  return outcome.error === undefined ? outcome : { ...outcome, error: redactSecrets(outcome.error, secrets) };
}

/**
 * The named tokens' values, or the outcome of not having them: a store that did not answer is
 * worth another attempt; a token missing, denied or malformed is configuration (TokenError's
 * message names the token and the fix, never the value).
 */
export async function readSecrets(
  store: TokenStore,
  names: readonly string[],
): Promise<{ values: Record<string, string> } | { outcome: AttemptOutcome }> {
  const values: Record<string, string> = {};
  for (const name of names) {
    try {
      values[name] = await store.tokenFor(name);
    } catch (err) {
      // By brand: the store that threw may be another chunk's copy of the module (index.js's, in the runner).
      if (isTokenError(err)) return { outcome: { ok: false, retryable: err.code === 'TOKEN_STORE_UNAVAILABLE', error: err.message } };
      return { outcome: { ok: false, retryable: true, error: `token "${name}" could not be read (${(err as Error)?.name ?? 'error'})` } };
    }
  }
  return { values };
}
