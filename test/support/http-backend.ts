/**
 * A loopback replica of the marketplace's `GET /api/auth/buyer/orders/` (Django REST Framework
 * behind a proxy), with switches for the regressions the monitor must name (docs/DESIGN.md#the-problem):
 * DRF authentication classes (TokenAuthentication on → 401 `WWW-Authenticate: Token` for a bad
 * token; off → DRF's defaults answer 403 "Authentication credentials were not provided."),
 * permissions, proxy statuses (502/503/504, SECURE_SSL_REDIRECT loops), slow or huge answers and
 * transport faults (silent listener, reset, refused). Used by tests and the embedded demo.
 *
 * A plain TCP listener accepts every connection and hands it to an HTTP(S) server that never
 * listens itself, so faults below HTTP (silence, reset) and connection counting stay possible.
 */
import { Buffer } from 'node:buffer';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type { KeyAndCert } from '../../demo/certs';
import { fillToken } from './fault-servers';

/** The endpoint of the seed incident. */
export const ORDERS_PATH = '/api/auth/buyer/orders/';

/**
 * DRF authentication classes, in `REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']` order.
 * `jwt` is simplejwt's JWTAuthentication (`Bearer`); `query` a custom class reading `?token=`.
 */
export type AuthClass = 'session' | 'basic' | 'token' | 'jwt' | 'query';

/** DRF's defaults: what a settings file without DEFAULT_AUTHENTICATION_CLASSES gets (the seed's bug). */
export const DRF_DEFAULT_AUTH: readonly AuthClass[] = ['session', 'basic'];
/** The fix: TokenAuthentication first. */
export const TOKEN_AUTH: readonly AuthClass[] = ['token', 'session'];

/** Below-HTTP behaviour of the next connections and requests. */
export type Fault =
  /** Answer normally. */
  | 'none'
  /** Accept TCP and never send a byte (no TLS handshake, no HTTP answer). */
  | 'silent'
  /** Read the request, never answer. */
  | 'no-response'
  /** Read the request, then reset the TCP connection (RST) without a response. */
  | 'reset';

export interface HttpBackendState {
  /** @default TOKEN_AUTH */
  readonly authClasses: readonly AuthClass[];
  /** Tokens the token/jwt/query classes accept. @default [] */
  readonly tokens: readonly string[];
  /** Whether an authenticated user may list the orders (IsBuyer). @default true */
  readonly permitted: boolean;
  /** The orders of an authenticated buyer. @default - two sample orders */
  readonly orders: readonly unknown[];
  /** DRF pagination: `{count, next, previous, results}` instead of a list. @default false */
  readonly paginated: boolean;
  /**
   * Answer every request with this status, as the layer that produces it would: 502/503/504 from the
   * proxy, 301 from SECURE_SSL_REDIRECT (to https://host + full path), 404 from Django's router, 500.
   * @default - no override
   */
  readonly status?: number;
  /** Pause before the status line. @default 0 */
  readonly headersDelayMs: number;
  /** Pause between the first and the rest of the body. @default 0 */
  readonly bodyDelayMs: number;
  /** Padding added to the JSON answer (a `padding` field in each order) to make a big body. @default 0 */
  readonly padBytes: number;
  /** Stream with chunked encoding instead of sending Content-Length. @default false */
  readonly chunked: boolean;
  /** @default 'none' */
  readonly fault: Fault;
  /** Echo the Authorization header and full URL in every body, like Django's debug page (token hygiene tests). @default false */
  readonly echo: boolean;
  /**
   * Compress answers as a server does when the request's Accept-Encoding allows it (`deflate-raw`:
   * a `deflate` answer without the zlib wrapper, as some servers send). @default - never
   */
  readonly compress?: 'gzip' | 'deflate' | 'deflate-raw' | 'br';
  /** Send these bytes as the body instead, with this Content-Encoding (a corrupt or bomb body). @default - the answer's own */
  readonly rawBody?: { readonly contentEncoding?: string; readonly bytes: Buffer };
  /** Replace the body with this text; `{token…}` placeholders echo the token sent (see fillToken). @default - the answer's own */
  readonly bodyTemplate?: string;
  /** Extra response headers; token placeholders as in `bodyTemplate`. @default - none */
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

/** A change to the state; `tokenAuth` is a shortcut for `authClasses` (TOKEN_AUTH or DRF_DEFAULT_AUTH). */
export type HttpBackendPatch = Partial<HttpBackendState> & { readonly tokenAuth?: boolean; readonly certificate?: KeyAndCert };

export interface RecordedRequest {
  readonly method: string;
  /** Path and query string as received. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface HttpBackend {
  readonly port: number;
  /** The orders URL (`https://127.0.0.1:<port>/api/auth/buyer/orders/`, or http:// without TLS). */
  readonly url: string;
  /** `https://127.0.0.1:<port>` */
  readonly origin: string;
  /** Requests received so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Change behaviour for the next connections and requests. */
  set(patch: HttpBackendPatch): void;
  /** TCP connections currently open (accepted and not yet closed), including silent ones. */
  openConnections(): number;
  /** Stop listening (new connections are refused) but keep the port for resume(). */
  pause(): Promise<void>;
  /** Listen again on the same port. */
  resume(): Promise<void>;
  /** Stop listening, destroy every connection and cancel every pending timer. */
  close(): Promise<void>;
}

export interface HttpBackendOptions {
  /** Serve TLS with this certificate; plain HTTP without. */
  readonly tls?: KeyAndCert;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  readonly state?: HttpBackendPatch;
}

const SAMPLE_ORDERS = [
  { id: 1041, status: 'paid', total: '49.90', currency: 'IRR', items: [{ sku: 'TEA-200', qty: 2 }] },
  { id: 1042, status: 'shipped', total: '129.00', currency: 'IRR', items: [{ sku: 'RUG-1', qty: 1 }] },
];

const DEFAULT_STATE: HttpBackendState = {
  authClasses: TOKEN_AUTH,
  tokens: [],
  permitted: true,
  orders: SAMPLE_ORDERS,
  paginated: false,
  headersDelayMs: 0,
  bodyDelayMs: 0,
  padBytes: 0,
  chunked: false,
  fault: 'none',
  echo: false,
};

const PROXY_PAGES: Readonly<Record<number, string>> = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** Start the replica on loopback. */
export async function startHttpBackend(options: HttpBackendOptions = {}): Promise<HttpBackend> {
  const host = options.host ?? '127.0.0.1';
  let state: HttpBackendState = { ...DEFAULT_STATE };
  const requests: RecordedRequest[] = [];
  const sockets = new Set<net.Socket>();
  /** Raw TCP sockets by the client's port, to reset the connection beneath a TLS socket. */
  const rawByPeerPort = new Map<number, net.Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const apply = (patch: HttpBackendPatch) => {
    const { tokenAuth, certificate, ...rest } = patch;
    state = { ...state, ...rest };
    if (tokenAuth !== undefined) state = { ...state, authClasses: tokenAuth ? TOKEN_AUTH : DRF_DEFAULT_AUTH };
    if (certificate) {
      if (!(inner instanceof https.Server)) throw new Error('certificate given to a plain HTTP backend');
      inner.setSecureContext(certificate);
    }
  };

  const wait = (ms: number, res: http.ServerResponse) =>
    new Promise<boolean>((resolve) => {
      if (ms <= 0) return resolve(!res.destroyed);
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.off('close', onClose);
        resolve(!res.destroyed);
      }, ms);
      const onClose = () => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve(false);
      };
      timers.add(timer);
      res.once('close', onClose);
    });

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    void respond(req, res).catch(() => res.destroy());
  };

  const respond = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const s = state;
    if (s.fault === 'no-response') return;
    if (s.fault === 'reset') {
      const raw = rawByPeerPort.get(req.socket.remotePort ?? -1);
      (raw ?? req.socket).resetAndDestroy();
      return;
    }
    if (!(await wait(s.headersDelayMs, res))) return;
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
    const answer = drfAnswer(s, req, url);
    const echo = s.echo ? { authorization: req.headers.authorization ?? null, url: `${url.pathname}${url.search}` } : undefined;
    let body: Buffer;
    const headers: Record<string, string> = { ...answer.headers };
    if (answer.json !== undefined) {
      const json =
        echo && answer.json && typeof answer.json === 'object' && !Array.isArray(answer.json) ? { ...answer.json, request: echo } : answer.json;
      body = Buffer.from(JSON.stringify(echo && Array.isArray(json) ? { results: json, request: echo } : json));
      headers['content-type'] = 'application/json';
    } else {
      body = Buffer.from(answer.text + (echo ? `\nAuthorization: ${echo.authorization}\nURL: ${echo.url}\n` : ''));
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    }
    const sentToken = /^\S+\s+(.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? url.searchParams.get('token') ?? undefined;
    if (s.bodyTemplate !== undefined) body = Buffer.from(fillToken(s.bodyTemplate, sentToken));
    for (const [name, value] of Object.entries(s.extraHeaders ?? {})) headers[name.toLowerCase()] = fillToken(value, sentToken);
    const accepted = String(req.headers['accept-encoding'] ?? '').toLowerCase();
    if (s.compress && accepted.includes(s.compress === 'deflate-raw' ? 'deflate' : s.compress)) {
      const zip = { gzip: gzipSync, deflate: deflateSync, 'deflate-raw': deflateRawSync, br: brotliCompressSync }[s.compress];
      body = zip(body);
      headers['content-encoding'] = s.compress === 'deflate-raw' ? 'deflate' : s.compress;
    }
    if (s.rawBody) {
      body = s.rawBody.bytes;
      if (s.rawBody.contentEncoding) headers['content-encoding'] = s.rawBody.contentEncoding;
    }
    if (!s.chunked) headers['content-length'] = String(body.length);
    if (req.method === 'HEAD') {
      res.writeHead(answer.status, headers).end();
      return;
    }
    res.writeHead(answer.status, headers);
    if (s.bodyDelayMs > 0) {
      const half = Math.min(body.length, Math.max(1, Math.floor(body.length / 2)));
      res.write(body.subarray(0, half));
      if (!(await wait(s.bodyDelayMs, res))) return;
      res.end(body.subarray(half));
    } else {
      res.end(body);
    }
  };

  const inner: http.Server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
  // TLS failures the client provokes (untrusted cert, reset) are expected here, not crashes.
  inner.on('tlsClientError', () => undefined);
  inner.on('clientError', (_err, socket) => socket.destroy());

  const front = net.createServer((socket) => {
    sockets.add(socket);
    const peerPort = socket.remotePort;
    if (peerPort !== undefined) rawByPeerPort.set(peerPort, socket);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      if (peerPort !== undefined && rawByPeerPort.get(peerPort) === socket) rawByPeerPort.delete(peerPort);
    });
    if (state.fault === 'silent') {
      // Read and discard, so the client's close is noticed and the connection count falls back.
      socket.resume();
      return;
    }
    inner.emit('connection', socket);
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      front.once('error', reject);
      front.listen(port, host, () => {
        front.off('error', reject);
        resolve();
      });
    });

  await listen(options.port ?? 0);
  const port = (front.address() as net.AddressInfo).port;
  const origin = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (options.state) apply(options.state);

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!front.listening) return resolve();
      front.close(() => resolve());
    });

  return {
    port,
    url: `${origin}${ORDERS_PATH}`,
    origin,
    requests,
    set: apply,
    openConnections: () => sockets.size,
    pause: async () => {
      // close() waits for open connections; they are the client's to end, so don't wait here.
      front.close();
    },
    resume: () => listen(port),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const stopped = stopListening();
      for (const socket of sockets) socket.destroy();
      await stopped;
    },
  };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** A JSON body, or */
  readonly json?: unknown;
  /** a text/HTML body. */
  readonly text: string;
}

/** What Django + DRF (or the proxy in front) would answer. */
function drfAnswer(s: HttpBackendState, req: http.IncomingMessage, url: URL): Answer {
  const daphne = { server: 'daphne', vary: 'Accept', allow: 'GET, HEAD, OPTIONS' };
  if (s.status !== undefined) return overrideAnswer(s.status, req, url);
  if (url.pathname !== ORDERS_PATH) return djangoNotFound();
  if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
    return { status: 405, headers: daphne, json: { detail: `Method "${req.method}" not allowed.` }, text: '' };
  }

  // rest_framework.request.Request._authenticate: the first class that returns a user or raises wins.
  let failure: string | undefined;
  let user = false;
  for (const cls of s.authClasses) {
    const result = authenticate(cls, s, req, url);
    if (result === 'user') {
      user = true;
      break;
    }
    if (result !== undefined) {
      failure = result;
      break;
    }
  }
  if (!user) {
    // APIView.permission_denied / handle_exception: 401 only when the FIRST class has an authenticate_header.
    const detail = failure ?? 'Authentication credentials were not provided.';
    const challenge = s.authClasses.length ? authenticateHeader(s.authClasses[0]!) : undefined;
    return challenge
      ? { status: 401, headers: { ...daphne, 'www-authenticate': challenge }, json: { detail }, text: '' }
      : { status: 403, headers: daphne, json: { detail }, text: '' };
  }
  if (!s.permitted) {
    return { status: 403, headers: daphne, json: { detail: 'You do not have permission to perform this action.' }, text: '' };
  }
  const orders =
    s.padBytes > 0
      ? s.orders.map((o) => ({ ...(o as object), padding: 'x'.repeat(Math.ceil(s.padBytes / Math.max(1, s.orders.length))) }))
      : s.orders;
  const json = s.paginated ? { count: orders.length, next: null, previous: null, results: orders } : orders;
  return { status: 200, headers: daphne, json, text: '' };
}

/** One class's `authenticate()`: a user, a failure detail (AuthenticationFailed), or undefined (not this class). */
function authenticate(cls: AuthClass, s: HttpBackendState, req: http.IncomingMessage, url: URL): 'user' | string | undefined {
  const parts = (req.headers.authorization ?? '').split(' ').filter(Boolean);
  const keyword = parts[0]?.toLowerCase();
  switch (cls) {
    case 'session':
      // No session cookie ever authenticates here; SessionAuthentication then returns None.
      return undefined;
    case 'basic':
      if (keyword !== 'basic') return undefined;
      return parts.length === 2 ? 'Invalid username/password.' : 'Invalid basic header. No credentials provided.';
    case 'token':
      if (keyword !== 'token') return undefined;
      if (parts.length === 1) return 'Invalid token header. No credentials provided.';
      if (parts.length > 2) return 'Invalid token header. Token string should not contain spaces.';
      return s.tokens.includes(parts[1]!) ? 'user' : 'Invalid token.';
    case 'jwt':
      if (parts[0] !== 'Bearer') return undefined;
      return parts.length === 2 && s.tokens.includes(parts[1]!) ? 'user' : 'Given token not valid for any token type';
    case 'query': {
      const token = url.searchParams.get('token');
      if (token === null) return undefined;
      return s.tokens.includes(token) ? 'user' : 'Invalid token.';
    }
  }
}

/** `authenticate_header()` of each class; None for session and the custom query class. */
function authenticateHeader(cls: AuthClass): string | undefined {
  switch (cls) {
    case 'basic':
      return 'Basic realm="api"';
    case 'token':
      return 'Token';
    case 'jwt':
      return 'Bearer realm="api"';
    default:
      return undefined;
  }
}

function djangoNotFound(): Answer {
  return {
    status: 404,
    headers: { server: 'daphne', 'content-type': 'text/html; charset=utf-8' },
    text: '<!doctype html>\n<html lang="en">\n<head><title>Not Found</title></head>\n<body><h1>Not Found</h1><p>The requested resource was not found on this server.</p></body>\n</html>',
  };
}

function overrideAnswer(status: number, req: http.IncomingMessage, url: URL): Answer {
  if (status >= 300 && status < 400) {
    // SecurityMiddleware: https:// + request.get_host() + request.get_full_path() — the same URL when
    // the proxy does not forward X-Forwarded-Proto, hence the loop.
    return {
      status,
      headers: {
        server: 'daphne',
        'content-type': 'text/html; charset=utf-8',
        location: `https://${req.headers.host ?? url.host}${url.pathname}${url.search}`,
      },
      text: '',
    };
  }
  if (PROXY_PAGES[status]) return { status, headers: {}, text: PROXY_PAGES[status]! };
  if (status === 404) return djangoNotFound();
  if (status === 500) {
    return {
      status,
      headers: { server: 'daphne', 'content-type': 'text/html; charset=utf-8' },
      text: '<!doctype html>\n<html lang="en"><head><title>Server Error (500)</title></head><body><h1>Server Error (500)</h1><p></p></body></html>',
    };
  }
  return { status, headers: { server: 'daphne' }, json: { detail: http.STATUS_CODES[status] ?? 'Error' }, text: '' };
}
