/** Token hygiene: the token never leaves the process in a URL, message, error, log or metric. */

export const REDACTED = '***';

/** Replace every occurrence of the token (raw and URL-encoded forms) with `***`. */
export function redact(text: string, token: string | undefined): string {
  if (!token) return text;
  let out = text;
  const forms = new Set([token, encodeURIComponent(token), new URLSearchParams({ t: token }).toString().slice(2)]);
  for (const form of forms) if (form) out = out.split(form).join(REDACTED);
  return out;
}

/** A URL for display: the token query parameter (if any) shown as `***`, and the token removed anywhere else. */
export function redactUrl(url: string, token: string | undefined, tokenParam?: string): string {
  let shown = url;
  if (tokenParam) {
    try {
      const u = new URL(url);
      if (u.searchParams.has(tokenParam)) {
        u.searchParams.set(tokenParam, 'REDACTEDPLACEHOLDER');
        shown = u.toString().replace('REDACTEDPLACEHOLDER', REDACTED);
      }
    } catch {
      // not a URL: fall through to plain replacement
    }
  }
  return redact(shown, token);
}
