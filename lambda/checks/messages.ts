/**
 * The one message builder (README.md#outcomes): every result message, for both kinds, has one shape
 *
 *     <what happened>[ (<detail>)][; check: <the likely fix>]
 *
 * e.g. `connection refused (connect ECONNREFUSED 127.0.0.1:1); check: the proxy (Traefik) is down …`.
 * The fix is chosen from the evidence (status class, headers, body, error code, phase) and says
 * nothing the evidence does not support. Details are one line, without source paths, bounded.
 * Server text reaches this module already masked (Attempt.excerpt): mask first, then cut.
 */
import { CAUSE_GUIDE, Outcome, OUTCOME_RUNBOOK, type Cause } from '../../contracts/outcomes';
import type { CertificateInfo } from '../../contracts/result';
import { DeadlineError, outcomeForError, outcomeForStatus } from './classify';
import type { Verdict } from './types';

/** Longest error detail or quoted server text in a message. */
export const DETAIL_CHARS = 200;

export interface MessageParts {
  readonly what: string;
  readonly detail?: string;
  readonly fix?: string;
}

/** The one message shape. */
export function compose({ what, detail, fix }: MessageParts): string {
  const message = `${what}${detail ? ` (${detail})` : ''}${fix ? `; check: ${fix}` : ''}`;
  if (fix) rememberFix(message, fix);
  return message;
}

/**
 * The fix of each message compose() built recently, so a result carries the fix as the builder
 * chose it (the page's fix, docs/DESIGN.md#incidents) without re-parsing the message. Bounded: a
 * message is read back within its own run; the oldest entries go first.
 */
const fixes = new Map<string, string>();
const FIXES_KEPT = 4096;
function rememberFix(message: string, fix: string): void {
  fixes.delete(message);
  fixes.set(message, fix);
  if (fixes.size > FIXES_KEPT) fixes.delete(fixes.keys().next().value!);
}

/** The fix compose() put into this exact message, if it built it. */
export function fixOfMessage(message: string): string | undefined {
  return fixes.get(message);
}

/** Text on one line, at most `max` characters (a cut is marked with …). Mask before calling this. */
export function oneLine(text: string, max = DETAIL_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max).replace(/[\uD800-\uDBFF]$/, '');
  return `${cut}…`;
}

/** OpenSSL's error prefix (`40DD46A8FE7E0000:error:0A00042E:SSL routines:ssl3_read_bytes:`). */
const OPENSSL_PREFIX = /\b[0-9A-F]{6,}:error:[0-9A-F]+:[^:]*:[^:]*:/gi;
/** A source location (`../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:`), internal to the library. */
const SOURCE_PATH = /:?(?:(?<!\w)[A-Za-z]:)?[\w.~-]*(?:[/\\][\w.~-]+)+\.(?:c|cc|cpp|h|js|mjs|cjs|ts)(?::\d+)+:?/g;

function errorText(err: unknown, depth = 0): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  // OpenSSL errors carry their reason alone, without the prefix and the source path of `message`.
  const reason = (err as { reason?: unknown }).reason;
  let text = typeof reason === 'string' && reason ? reason : err.message;
  if (!text && err instanceof AggregateError && depth < 2) text = err.errors.map((e) => errorText(e, depth + 1)).join('; ');
  text ||= err.name;
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

/** Masks the token in text (Attempt.redact); identity where no token is involved. */
export type Mask = (text: string) => string;
const unmasked: Mask = (text) => text;

/**
 * An error as a detail: code and message, token masked (before the cut: an error may quote a URL
 * with the token), one line, no library source paths, bounded.
 */
export function describeError(err: unknown, mask: Mask = unmasked, max = DETAIL_CHARS): string {
  const text = mask(errorText(err))
    .replace(OPENSSL_PREFIX, '')
    .replace(SOURCE_PATH, '; ')
    .replace(/[:;\s]+$/, '');
  return oneLine(text, max);
}

// ---------------------------------------------------------------------------------------------
// Failures before any response: refused, dns, timeout, tls, reset (and configuration errors).

/** What to look at when a phase runs out of time. */
const TIMEOUT_FIX: Readonly<Record<string, string>> = {
  'DNS lookup': 'the resolver (reachable? answering?) and the DNS record for the host',
  'TCP connect': 'a firewall or security group dropping packets to the port, or the host being down (nothing answered the connection request)',
  'TLS handshake': "the proxy's TLS listener (hung or overloaded), or a service on this port that does not speak TLS",
  'response headers': "the backend behind the proxy (daphne/gunicorn): hung or overloaded workers or a slow view, and the proxy's upstream timeout",
  'WebSocket upgrade response': "the ASGI server behind the proxy (daphne): hung or overloaded, or a slow connect() in the consumer, and the proxy's upstream timeout",
  'response body': 'the backend sending the body slowly (a slow query or serializer), or a proxy buffering it',
  'round-trip reply': "the consumer's receive() handler, the channel layer (e.g. Redis) and the workers",
};

const UNTRUSTED_CHAIN = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED']);
const PRIVATE_CA = 'for a private CA, trust it with NODE_EXTRA_CA_CERTS';

function tlsParts(code: string | undefined, cert: CertificateInfo | undefined): { what: string; fix: string } {
  const c = code ?? '';
  if (c === 'CERT_HAS_EXPIRED') {
    const days = cert ? Math.floor((Date.now() - Date.parse(cert.validTo)) / 86_400_000) : undefined;
    const ago = days === undefined ? '' : days < 1 ? ' less than a day ago' : ` ${days} day${days === 1 ? '' : 's'} ago`;
    return { what: `the certificate expired${ago}`, fix: 'renew the certificate on the proxy, and its automatic renewal (e.g. Traefik ACME)' };
  }
  if (c === 'CERT_NOT_YET_VALID') return { what: 'the certificate is not valid yet', fix: "the certificate's start date (notBefore) and the server's clock" };
  if (c === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      what: 'the certificate is not valid for this host name',
      fix: "the certificate's names (subjectAltName) cover the host, and the proxy serves the right certificate for it (SNI, router rule, default certificate)",
    };
  }
  if (UNTRUSTED_CHAIN.has(c)) return untrustedParts(c, cert);
  if (c === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return { what: 'the certificate is self-signed', fix: `a certificate from a trusted CA on the proxy (e.g. Traefik ACME), not its default or a generated one; ${PRIVATE_CA}` };
  }
  if (c === 'SELF_SIGNED_CERT_IN_CHAIN') {
    const root = cert?.chain.at(-1);
    return { what: `the certificate chain ends in a self-signed root the monitor does not trust${root ? ` (${root})` : ''}`, fix: `a certificate from a trusted CA on the proxy; ${PRIVATE_CA}` };
  }
  if (/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|VERSION_TOO_LOW/.test(c)) {
    return { what: 'no TLS version in common: the server accepts neither TLS 1.2 nor TLS 1.3', fix: 'enable TLS 1.2 and 1.3 on the proxy (e.g. Traefik tls.options minVersion)' };
  }
  if (c === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return { what: 'the server did not answer with TLS', fix: 'the port serves TLS (not plain HTTP), and the URL scheme (https/wss vs http/ws)' };
  }
  return { what: 'the TLS handshake failed', fix: OUTCOME_RUNBOOK.tls.check };
}

/**
 * The chain does not reach a trusted CA. When the server sent its certificate alone (nothing linked
 * above it) and the leaf names where its issuer's certificate is published (authorityInfoAccess, as
 * every public CA's leaves do), the intermediate was left out: an incomplete chain, which browsers
 * often hide by fetching or caching the intermediate and Node (like curl, Java and mobile apps) does not.
 */
function untrustedParts(code: string, cert: CertificateInfo | undefined): { what: string; fix: string } {
  const fullChain = 'the proxy serves the full chain, leaf then intermediates (e.g. fullchain.pem, not cert.pem)';
  const leafAlone = code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' && cert !== undefined && cert.chain.length === 0;
  if (leafAlone && cert.caIssuers) {
    return {
      what: `the server did not send the intermediate certificate of the leaf's issuer ${cert.issuer}: the chain is incomplete`,
      fix: `${fullChain}; the missing intermediate is published at ${cert.caIssuers}; see what the server sends with openssl s_client -connect HOST:443 -servername HOST -showcerts`,
    };
  }
  if (leafAlone) {
    return {
      what: `the certificate's issuer ${cert.issuer || '(none named)'} is not a CA the monitor trusts, and the server sent no intermediate certificate leading to one`,
      fix: `${fullChain} from a CA the monitor trusts; ${PRIVATE_CA}`,
    };
  }
  const last = cert?.chain.at(-1);
  return {
    what: `the certificate chain does not lead to a trusted CA${last ? ` (it ends at ${last})` : ''}`,
    fix: `${fullChain} from a CA the monitor trusts; ${PRIVATE_CA}`,
  };
}

function resetWhat(code: string | undefined, status?: number): string {
  if (status !== undefined) {
    const how = code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : code?.startsWith('HPE_') ? 'broken by bytes that are not HTTP' : 'closed';
    return `HTTP ${status} arrived, then the connection was ${how} while reading the response body`;
  }
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return "the response's body did not match its Content-Length header";
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'the connection was reset before any response';
  if (code?.startsWith('HPE_')) return 'the server answered with something that is not HTTP';
  return 'the connection was closed before any response';
}

/** The leaf certificate in a few words, for a TLS failure's detail. */
function certificateNote(cert: CertificateInfo | undefined): string {
  if (!cert) return '';
  return `; certificate ${cert.subject || '(no subject)'} from ${cert.issuer || '(no issuer)'}, valid to ${cert.validTo}`;
}

/** Everything a failure verdict may draw on besides the error. */
export interface FailureContext {
  /** The certificate the handshake presented, if one completed. */
  readonly certificate?: CertificateInfo;
  /** Masks the token in the error's text. */
  readonly mask?: Mask;
  /** The status of a response whose head arrived before the failure (the body was being read). */
  readonly status?: number;
}

/** The verdict for a failure before any response (or a deadline): refused, dns, timeout, tls, reset or error. */
export function failureVerdict(err: unknown, ctx: FailureContext = {}): Verdict {
  const { outcome, code } = outcomeForError(err);
  const evidence = code ? { evidence: { errorCode: code } } : {};
  const detail = describeError(err, ctx.mask);
  let parts: MessageParts;
  if (err instanceof DeadlineError) {
    parts = { what: err.message, fix: TIMEOUT_FIX[err.phase] ?? OUTCOME_RUNBOOK.timeout.check };
  } else {
    switch (outcome) {
      case Outcome.REFUSED:
        parts = { what: 'connection refused', detail, fix: OUTCOME_RUNBOOK.refused.check };
        break;
      case Outcome.DNS:
        parts = { what: 'the host name did not resolve', detail, fix: OUTCOME_RUNBOOK.dns.check };
        break;
      case Outcome.TIMEOUT:
        parts = { what: code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'the host is unreachable' : 'the connection timed out', detail, fix: OUTCOME_RUNBOOK.timeout.check };
        break;
      case Outcome.TLS: {
        const tls = tlsParts(code, ctx.certificate);
        parts = { what: tls.what, detail: detail + certificateNote(ctx.certificate), fix: tls.fix };
        break;
      }
      case Outcome.ERROR:
        parts = { what: 'the request could not be sent as configured', detail, fix: "the check's configuration (headers, method, URL)" };
        break;
      default:
        parts = {
          what: resetWhat(code, ctx.status),
          detail,
          fix: code?.startsWith('HPE_') ? 'the service on this port speaks HTTP, and the URL scheme (https/wss vs http/ws)' : OUTCOME_RUNBOOK.reset.check,
        };
    }
  }
  return { outcome, message: compose(parts), ...evidence, ...(ctx.status !== undefined ? { status: ctx.status } : {}) };
}

/** The verdict for a bug inside a probe: never an endpoint verdict. */
export function bugVerdict(err: unknown, mask?: Mask): Verdict {
  return { outcome: Outcome.ERROR, message: bugMessage(err, mask) };
}

/** `probe failed unexpectedly: …` (also for a probe that throws out of runCheck). */
export function bugMessage(err: unknown, mask?: Mask): string {
  const kind = err instanceof Error && err.name !== 'Error' ? `${err.name}: ` : '';
  return compose({
    what: `probe failed unexpectedly: ${kind}${describeError(err, mask)}`,
    fix: "the monitor itself (a bug, not an endpoint verdict): report it with the check's configuration",
  });
}

/** The check cannot be run at all (an invalid URL for the client library). */
export function configurationVerdict(what: string, err: unknown, mask?: Mask): Verdict {
  return { outcome: Outcome.ERROR, message: compose({ what, detail: describeError(err, mask), fix: OUTCOME_RUNBOOK.error.check }) };
}

// ---------------------------------------------------------------------------------------------
// Answers with a status other than the expected one.

/** Where a redirect points, compared with the request (from the raw Location, before masking). */
export type RedirectTarget = 'self' | 'https' | 'slash' | 'login' | 'elsewhere' | 'none';

/** ws: and wss: are http: and https: for comparing a Location with the request. */
const httpScheme = (u: URL) => {
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  return u;
};

/** Classify a Location against the URL requested. */
export function redirectTarget(location: string | undefined, requestUrl: string): RedirectTarget {
  if (!location) return 'none';
  let to: URL;
  let from: URL;
  try {
    from = httpScheme(new URL(requestUrl));
    to = httpScheme(new URL(location, from));
  } catch {
    return 'elsewhere';
  }
  if (to.href === from.href) return 'self';
  if (from.protocol === 'http:' && to.protocol === 'https:' && to.host.replace(/:443$/, '') === from.host.replace(/:80$/, '') && to.pathname === from.pathname) return 'https';
  if (to.origin === from.origin && to.pathname.replace(/\/$/, '') === from.pathname.replace(/\/$/, '') && to.search === from.search) return 'slash';
  if (/(^|\/)(log-?in|sign-?in|auth)(\/|$|\?)/i.test(to.pathname)) return 'login';
  return 'elsewhere';
}

/** The facts of an answer with an unexpected status, headers and body already masked. */
export interface StatusFacts {
  readonly status: number;
  /** What the check expected (101 for a WebSocket upgrade). */
  readonly expected: number;
  /** True when the request was a WebSocket upgrade. */
  readonly upgrade: boolean;
  /** Evidence headers (lower-case names), token masked. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body excerpt, token masked. */
  readonly body: string;
  /** Where a 3xx points. */
  readonly redirect?: RedirectTarget;
  /** DRF's `detail`, token masked. */
  readonly detail?: string;
  /** The request method (HTTP). */
  readonly method?: string;
}

const FIX = {
  upgradeForwarding: "the header-forwarding middleware on the proxy's WebSocket routes (Traefik) passes Upgrade/Connection, and the route points at the ASGI server (daphne)",
  notWebSocket: 'a proxy or server on the route that answers the upgrade without speaking WebSocket correctly (Upgrade, Connection and Sec-WebSocket-Accept headers)',
  forbiddenUpgrade: 'ALLOWED_HOSTS / the origin validator and that the proxy forwards Origin and Host; the consumer authentication (token)',
  forbiddenApi: "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'] includes TokenAuthentication, and the user's permissions",
  rateLimited: "rate limiting of the monitor's requests: the proxy's rate limit or DRF throttling (DEFAULT_THROTTLE_RATES) for this client, and how often checks hit the endpoint",
  requestShape: 'the request the check sends (URL, method, headers) against what the endpoint accepts; its answer is in the evidence',
} as const;

/** True when the answer itself says an upgrade was expected or missing (header or body). */
function mentionsUpgrade(f: StatusFacts): boolean {
  return f.headers.upgrade !== undefined || /\bupgrade\b/i.test(f.body);
}

/** Reason phrases (RFC 9110 and friends) for the statuses a monitor meets; no node:http in the handler's bundle. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content',
  301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 413: 'Content Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type',
  426: 'Upgrade Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

function statusName(status: number): string {
  const name = STATUS_NAMES[status];
  return name ? `HTTP ${status} ${name}` : `HTTP ${status}`;
}

/** The wording and fix for an unexpected status (both kinds; `upgrade` adds what a WebSocket upgrade implies). */
export function statusParts(f: StatusFacts): MessageParts {
  const { status, headers } = f;
  const head = `${statusName(status)} instead of ${f.upgrade ? '101 Switching Protocols' : f.expected}`;
  const said = f.detail !== undefined ? JSON.stringify(oneLine(f.detail)) : undefined;
  const withSaid = (extra?: string) => [said, extra].filter(Boolean).join('; ') || undefined;

  if (f.upgrade && status === 101) {
    return { what: 'HTTP 101 without "Upgrade: websocket": not a valid WebSocket handshake', fix: FIX.notWebSocket };
  }
  if (status >= 300 && status < 400) {
    const location = headers.location ? `Location: ${headers.location}` : 'no Location header';
    switch (f.redirect ?? 'elsewhere') {
      case 'self':
        return {
          what: `${head}: a redirect to the same URL (a redirect loop)`,
          detail: location,
          fix: 'the proxy forwards X-Forwarded-Proto and Django trusts it (SECURE_PROXY_SSL_HEADER) when SECURE_SSL_REDIRECT is on',
        };
      case 'https':
        return { what: `${head}: a redirect to https`, detail: location, fix: "the check's URL: use https:// (wss://) as a browser would end up doing" };
      case 'slash':
        return { what: `${head}: a redirect to the canonical path`, detail: location, fix: "the check's URL: the path as the app spells it (trailing slash, APPEND_SLASH)" };
      case 'login':
        return { what: `${head}: a redirect to a login page`, detail: location, fix: "the request was not authenticated: the token, and the view's authentication classes" };
      case 'none':
        return { what: `${head}: a redirect without a Location header`, fix: 'the proxy or app answering with a redirect it cannot complete' };
      default:
        return { what: `${head}: a redirect elsewhere`, detail: location, fix: "the check's URL (where the endpoint now lives), or the route that redirects" };
    }
  }
  if (status === 429) {
    return { what: head, detail: withSaid(headers['retry-after'] ? `Retry-After: ${headers['retry-after']}` : undefined), fix: FIX.rateLimited };
  }
  if (status >= 500) {
    const fix =
      status === 502 || status === 503 || status === 504
        ? 'the backend behind the proxy (daphne/gunicorn): down, not ready or too slow; its health and the proxy route'
        : status === 500
          ? f.upgrade
            ? // daphne answers 500 when Channels' URLRouter has no route for the path ("No route found"), as the real stack shows.
              "an exception in the application: its logs (the traceback); on an upgrade, often no route for this path in Channels' URLRouter (the check's URL, its trailing slash)"
            : 'an exception in the application: its logs (the traceback)'
          : OUTCOME_RUNBOOK.server_error.check;
    return { what: head, detail: withSaid(), fix };
  }
  if (status === 401) {
    const challenge = headers['www-authenticate'] ? `WWW-Authenticate: ${headers['www-authenticate']}` : 'no WWW-Authenticate challenge';
    return { what: head, detail: withSaid(challenge), fix: OUTCOME_RUNBOOK.unauthorized.check };
  }
  if (status === 403) return { what: head, detail: withSaid(), fix: f.upgrade ? FIX.forbiddenUpgrade : FIX.forbiddenApi };
  if (status === 404) {
    return {
      what: head,
      detail: withSaid(),
      fix: f.upgrade
        ? 'the path exists on the WebSocket router, and the proxy forwards Upgrade/Connection (without them the request reaches the HTTP router, which has no such view)'
        : 'the route exists (path, trailing slash) and the proxy routes it to the backend',
    };
  }
  if (f.upgrade && status >= 200 && status < 300) {
    return { what: `${head}: the upgrade was answered as a plain HTTP request`, detail: withSaid(), fix: FIX.upgradeForwarding };
  }
  if (f.upgrade && status === 426 && headers['sec-websocket-version']) {
    return {
      what: `${head}: the server does not speak the probe's WebSocket version 13`,
      detail: `Sec-WebSocket-Version: ${headers['sec-websocket-version']}`,
      fix: "the server's WebSocket implementation (RFC 6455, version 13)",
    };
  }
  if (f.upgrade && (status === 400 || status === 426)) {
    if (status === 426 || mentionsUpgrade(f)) {
      return { what: `${head}: the server saw no WebSocket upgrade, so a proxy is not forwarding the Upgrade/Connection headers`, detail: withSaid(), fix: FIX.upgradeForwarding };
    }
    if (/subprotocol|sec-websocket-protocol/i.test(f.body)) {
      return { what: `${head}: the server requires a WebSocket subprotocol`, detail: withSaid(), fix: 'the subprotocol the server requires (Sec-WebSocket-Protocol); the probe offers none' };
    }
    return {
      what: `${head}: the server rejected the handshake request`,
      detail: withSaid(),
      fix: 'what the server requires of the handshake (a subprotocol, a header, the path or query); its answer is in the evidence',
    };
  }
  if (status === 405) {
    return { what: head, detail: withSaid(headers.allow ? `Allow: ${headers.allow}` : undefined), fix: `the check's method${f.method ? ` (${f.method})` : ''} against the methods the route allows` };
  }
  if (status === 426) {
    return { what: head, detail: withSaid(headers.upgrade ? `Upgrade: ${headers.upgrade}` : undefined), fix: 'the protocol the server asks for (Upgrade header) and the URL scheme' };
  }
  if (status >= 400) return { what: head, detail: withSaid(), fix: FIX.requestShape };
  return { what: head, detail: withSaid(), fix: "the check's expected status, or what changed in the endpoint's answer" };
}

/** The verdict for an unexpected status (no cause). */
export function statusVerdict(f: StatusFacts): Pick<Verdict, 'outcome' | 'status' | 'message'> {
  return { outcome: outcomeForStatus(f.status), status: f.status, message: compose(statusParts(f)) };
}

/** A 401/403 narrowed to a cause: `<what>: <cause meaning> (<detail>); check: <cause fix>`. */
export function causeMessage(what: string, cause: Cause, detail?: string): string {
  return compose({ what: `${what}: ${CAUSE_GUIDE[cause].meaning}`, detail, fix: CAUSE_GUIDE[cause].check });
}

/** A 403 on the upgrade whose cause the origin follow-up could not narrow. */
export function forbiddenUpgradeMessage(what: string, explanation: 'consumer' | 'unknown', detail?: string): string {
  if (explanation === 'consumer') {
    return compose({
      what: `${what}: the consumer refused the connection before accept(), usually its authentication`,
      detail,
      fix: 'the token the consumer reads (query string or header), its authentication middleware, and ALLOWED_HOSTS',
    });
  }
  return compose({ what: `${what}, so the cause is unknown`, detail, fix: FIX.forbiddenUpgrade });
}

/** A 101 that ws rejected (bad Sec-WebSocket-Accept, a subprotocol or extension not asked for). */
export function invalidUpgradeMessage(err: unknown, mask?: Mask): string {
  return compose({ what: 'HTTP 101 but not a valid WebSocket handshake', detail: describeError(err, mask), fix: FIX.notWebSocket });
}

// ---------------------------------------------------------------------------------------------
// After a WebSocket was accepted.

function closeCodeMeaning(code: number): string {
  if (code >= 4000 && code <= 4999) {
    return code === 4001 || code === 4003
      ? `an application code: the consumer rejected the connection after accept(), most likely its authentication (token missing, invalid or not read from the query string)`
      : 'an application code: the consumer rejected the connection after accept() (see its close() call)';
  }
  const known: Record<number, string> = {
    1000: 'normal closure: the consumer closed right after accept()',
    1001: 'going away: the server or proxy is restarting or shutting down',
    1005: 'no status: the consumer closed right after accept() without a code',
    1008: 'policy violation: the server rejected the client',
    1011: 'internal error: an exception in the consumer',
    1012: 'service restart',
    1013: 'try again later: the server is overloaded',
  };
  return known[code] ?? 'an unusual close code';
}

/** Facts of a WebSocket that ended inside the settle window or the round trip. */
export interface ClosedFacts {
  readonly afterMs: number;
  /** The close code; 1006 when the connection dropped without a close frame. */
  readonly code: number;
  /** The close reason, masked then cut. */
  readonly reason?: string;
  /** The socket error that dropped it (ECONNRESET for an RST), if any. */
  readonly socketError?: string;
}

export function closedMessage(f: ClosedFacts): string {
  if (f.code === 1006) {
    return compose({
      what: `the server accepted the WebSocket (101), then dropped it after ${f.afterMs} ms without a close frame (1006)`,
      detail: f.socketError ? `connection reset: ${f.socketError}` : 'connection closed',
      fix: 'the proxy and the ASGI server (daphne) around that time: a crash or restart, a connection limit or an idle timeout cutting the socket',
    });
  }
  return compose({
    what: `the server accepted the WebSocket (101), then closed it after ${f.afterMs} ms with code ${f.code}, ${closeCodeMeaning(f.code)}`,
    detail: f.reason ? `reason ${JSON.stringify(f.reason)}` : undefined,
    fix: OUTCOME_RUNBOOK.closed.check,
  });
}

/** The server broke the WebSocket protocol after accepting (an invalid frame). */
export function protocolErrorMessage(afterMs: number, err: unknown, mask?: Mask): string {
  return compose({
    what: `the server accepted the WebSocket (101), then after ${afterMs} ms sent a frame the probe cannot accept, so the probe closed the connection`,
    detail: describeError(err, mask),
    fix: FIX.notWebSocket,
  });
}

/** Text for an `ok` WebSocket. */
export function webSocketOkMessage(parts: { settleMs: number; roundTrip: boolean; oversized?: { afterMs: number; limitBytes: number } }): string {
  const kept = parts.oversized
    ? `the socket was open and after ${parts.oversized.afterMs} ms sent a message larger than the probe reads (over ${parts.oversized.limitBytes} bytes), so the probe closed it before the end of the ${parts.settleMs} ms settle window`
    : parts.settleMs > 0
      ? `the socket stayed open for ${parts.settleMs} ms`
      : 'settle window disabled';
  return `HTTP 101 Switching Protocols; ${kept}${parts.roundTrip ? '; the round-trip reply matched' : ''}`;
}

/** A round trip that did not match, or could not be compared. */
export function roundTripMessage(f: {
  send: string;
  expect: string;
  match: 'equals' | 'contains';
  /** The reply, masked then cut. */
  got?: string;
  /** The reply (or an earlier message) was larger than the probe reads. */
  oversizedBytes?: number;
  /** The oversized message came before the probe sent its message (in the settle window). */
  beforeSend?: boolean;
}): string {
  const expected = `expected a reply that ${f.match === 'equals' ? 'equals' : 'contains'} ${JSON.stringify(f.expect)}`;
  if (f.oversizedBytes !== undefined) {
    return compose({
      what: f.beforeSend
        ? `round trip not run: in the settle window the server sent a message larger than the probe reads (over ${f.oversizedBytes} bytes), so the probe closed the connection before sending ${JSON.stringify(f.send)}`
        : `round trip: sent ${JSON.stringify(f.send)}, ${expected}, got a reply larger than the probe reads (over ${f.oversizedBytes} bytes), so it was not compared`,
      fix: `what the consumer sends: a short reply to the round-trip message (the probe reads up to ${f.oversizedBytes} bytes), or drop the round trip from this check`,
    });
  }
  return compose({
    what: `round trip: sent ${JSON.stringify(f.send)}, ${expected}, got ${JSON.stringify(f.got ?? '')}`,
    fix: "the consumer's receive() handler and the message format",
  });
}

/** An expected status whose body or latency failed the check's assertions. */
export function assertionMessage(status: number, problems: ReadonlyArray<{ readonly text: string; readonly fix: string }>): string {
  const fixes = [...new Set(problems.map((p) => p.fix))];
  return compose({ what: `HTTP ${status} as expected, but ${problems.map((p) => p.text).join('; ')}`, fix: fixes.join('; ') });
}

/**
 * `certificate CN=… (from CN=…) expires in 4 days, on 2026-12-06T…; CertificateExpiring pages below 14 days: renew it on the proxy …`
 * for a certificate with fewer days left than the threshold (the CLI's and the demo's warning under
 * an `ok` line); undefined when there are enough. An expired certificate is the `tls` message's to tell.
 */
export function certificateWarning(cert: CertificateInfo | undefined, thresholdDays: number | undefined): string | undefined {
  if (!cert || thresholdDays === undefined || cert.daysLeft < 0 || cert.daysLeft >= thresholdDays) return undefined;
  const left = cert.daysLeft === 0 ? 'expires within a day' : `expires in ${cert.daysLeft} day${cert.daysLeft === 1 ? '' : 's'}`;
  return (
    `certificate ${cert.subject || '(no subject)'} (from ${cert.issuer || 'no issuer'}) ${left}, on ${cert.validTo}; ` +
    `CertificateExpiring pages below ${thresholdDays} days: renew it on the proxy and check its automatic renewal`
  );
}
