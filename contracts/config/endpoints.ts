/**
 * Where a notification channel may post (contracts/config/notifications.ts re-exports these): no
 * imports, so the runner's channels use the rule without loading the configuration schema (zod).
 */

const LOOPBACK_HOST_RE = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** True for a host on this machine: localhost, 127.0.0.0/8 or ::1 (as URL.hostname writes them). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOST_RE.test(hostname);
}

/**
 * What is wrong with a URL a channel posts to, if anything: `https://`, or `http://` on a loopback
 * address only (local receivers and tests); no user info. Used by the schema for URLs in the
 * configuration and by the channels for URLs read from the token store (Slack, Teams), whose
 * messages then must not echo the URL (it is the secret).
 */
export function endpointUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https:// URL';
  }
  if (url.username || url.password) return 'must not carry credentials in its user info (***@)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname)
      ? undefined
      : `must use https:// (http:// is allowed only on a loopback address such as 127.0.0.1, not ${url.hostname})`;
  }
  return `must use https:// (got ${url.protocol}//)`;
}
