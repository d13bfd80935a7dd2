/** The wording of answers with a status other than the expected one, and of a known cause. */
import { CAUSE_GUIDE, OUTCOME_RUNBOOK, type Cause } from '../../contracts/outcomes';
import { outcomeForStatus } from './classify';
import { compose, describeError, oneLine, type Mask, type MessageParts } from './message-text';
import type { Finding } from './types';

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
  if (
    from.protocol === 'http:' &&
    to.protocol === 'https:' &&
    to.host.replace(/:443$/, '') === from.host.replace(/:80$/, '') &&
    to.pathname === from.pathname
  )
    return 'https';
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

/** The fixes shared by the status wording and the WebSocket wording after accept. */
export const FIX = {
  upgradeForwarding:
    "the header-forwarding middleware on the proxy's WebSocket routes (Traefik) passes Upgrade/Connection, and the route points at the ASGI server (daphne)",
  notWebSocket:
    'a proxy or server on the route that answers the upgrade without speaking WebSocket correctly (Upgrade, Connection and Sec-WebSocket-Accept headers)',
  forbiddenUpgrade: 'ALLOWED_HOSTS / the origin validator and that the proxy forwards Origin and Host; the consumer authentication (token)',
  forbiddenApi: "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'] includes TokenAuthentication, and the user's permissions",
  rateLimited:
    "rate limiting of the monitor's requests: the proxy's rate limit or DRF throttling (DEFAULT_THROTTLE_RATES) for this client, and how often checks hit the endpoint",
  requestShape: 'the request the check sends (URL, method, headers) against what the endpoint accepts; its answer is in the evidence',
} as const;

/** True when the answer itself says an upgrade was expected or missing (header or body). */
function mentionsUpgrade(f: StatusFacts): boolean {
  return f.headers.upgrade !== undefined || /\bupgrade\b/i.test(f.body);
}

/** Reason phrases (RFC 9110 and friends) for the statuses a monitor meets; no node:http in the handler's bundle. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function statusName(status: number): string {
  const name = STATUS_NAMES[status];
  return name ? `HTTP ${status} ${name}` : `HTTP ${status}`;
}

/** A 3xx answer: where the redirect points says what to fix. */
function redirectParts(f: StatusFacts, head: string): MessageParts {
  const { headers } = f;
  const location = headers.location ? `Location: ${headers.location}` : 'no Location header';
  switch (f.redirect ?? 'elsewhere') {
    case 'self':
      return {
        what: `${head}: a redirect to the same URL (a redirect loop)`,
        detail: location,
        fix: 'the proxy forwards X-Forwarded-Proto and Django trusts it (SECURE_PROXY_SSL_HEADER) when SECURE_SSL_REDIRECT is on',
      };
    case 'https':
      return {
        what: `${head}: a redirect to https`,
        detail: location,
        fix: "the check's URL: use https:// (wss://) as a browser would end up doing",
      };
    case 'slash':
      return {
        what: `${head}: a redirect to the canonical path`,
        detail: location,
        fix: "the check's URL: the path as the app spells it (trailing slash, APPEND_SLASH)",
      };
    case 'login':
      return {
        what: `${head}: a redirect to a login page`,
        detail: location,
        fix: "the request was not authenticated: the token, and the view's authentication classes",
      };
    case 'none':
      return { what: `${head}: a redirect without a Location header`, fix: 'the proxy or app answering with a redirect it cannot complete' };
    default:
      return {
        what: `${head}: a redirect elsewhere`,
        detail: location,
        fix: "the check's URL (where the endpoint now lives), or the route that redirects",
      };
  }
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
  if (status >= 300 && status < 400) return redirectParts(f, head);
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
      return {
        what: `${head}: the server saw no WebSocket upgrade, so a proxy is not forwarding the Upgrade/Connection headers`,
        detail: withSaid(),
        fix: FIX.upgradeForwarding,
      };
    }
    if (/subprotocol|sec-websocket-protocol/i.test(f.body)) {
      return {
        what: `${head}: the server requires a WebSocket subprotocol`,
        detail: withSaid(),
        fix: 'the subprotocol the server requires (Sec-WebSocket-Protocol); the probe offers none',
      };
    }
    return {
      what: `${head}: the server rejected the handshake request`,
      detail: withSaid(),
      fix: 'what the server requires of the handshake (a subprotocol, a header, the path or query); its answer is in the evidence',
    };
  }
  if (status === 405) {
    return {
      what: head,
      detail: withSaid(headers.allow ? `Allow: ${headers.allow}` : undefined),
      fix: `the check's method${f.method ? ` (${f.method})` : ''} against the methods the route allows`,
    };
  }
  if (status === 426) {
    return {
      what: head,
      detail: withSaid(headers.upgrade ? `Upgrade: ${headers.upgrade}` : undefined),
      fix: 'the protocol the server asks for (Upgrade header) and the URL scheme',
    };
  }
  if (status >= 400) return { what: head, detail: withSaid(), fix: FIX.requestShape };
  return { what: head, detail: withSaid(), fix: "the check's expected status, or what changed in the endpoint's answer" };
}

/** The finding for an unexpected status (no cause). */
export function statusFinding(f: StatusFacts): Pick<Finding, 'outcome' | 'status' | 'message'> {
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
