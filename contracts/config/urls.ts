/**
 * URLs: a check's URL, an Origin and an https endpoint, and credentials in URLs (docs/DESIGN.md
 * says "A configuration that puts a credential into a URL is rejected"): a credential in the user
 * info or a token-like query parameter is refused and never echoed.
 */
import { KINDS, type CheckKind } from '../kinds';
import { checkedString } from './fields';

/** Words that make a query parameter a credential: token, access_token, api_key, key, auth, password, secret, sig, … */
const CREDENTIAL_WORDS: ReadonlySet<string> = new Set([
  'token',
  'accesstoken',
  'authtoken',
  'secret',
  'password',
  'passwd',
  'pwd',
  'pass',
  'sig',
  'signature',
  'jwt',
  'auth',
  'key',
  'apikey',
  'credential',
  'credentials',
  'session',
  'sessionid',
  'bearer',
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
export function writtenPort(url: string): string | undefined {
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
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65_535))
    return `must have a port from 1 to 65535 (${Number(port)} is out of range)`;
  return undefined;
}

export function parseUrl(value: string): URL | undefined {
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

export const urlSchema = (kind: CheckKind) =>
  checkedString(`must be an absolute ${KINDS[kind].schemes.map((s) => `${s}://`).join(' or ')} URL`, (value) => {
    const message = checkUrlProblem(value, kind);
    return message && { message, input: redactCredentials(value) };
  });

const ORIGIN_ERROR = 'must be an origin like https://example.com (scheme and host, no path)';

/** The Origin a browser would send: `https://host[:port]`, lower-case, no default port, nothing after. */
export const originSchema = checkedString(ORIGIN_ERROR, (value) => {
  const early = credentialOrPortProblem(value);
  if (early) return { message: early, input: redactCredentials(value) };
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return ORIGIN_ERROR;
  if (url.username || url.password) return { message: USERINFO_PROBLEM, input: redactCredentials(value) };
  if (value === url.origin) return undefined;
  if (url.pathname !== '/' || url.search || /[?#]|\/$/.test(value)) return ORIGIN_ERROR;
  return `must be written as a browser sends it, "${url.origin}"`;
});
