/**
 * A replica of the monitored backend on loopback (docs/DESIGN.md#the-problem, §9), for the demo and tests: one HTTPS
 * server with a certificate made at start, serving what Django + DRF + Channels (daphne) answer,
 * and switchable into each of the seed's regressions.
 *
 * - `/ws/chat/`: Channels' AllowedHostsOriginValidator checks Origin against ALLOWED_HOSTS (a missing
 *   Origin is rejected), then the consumer checks the `token` query parameter in connect(); either
 *   refusal is an HTTP 403 on the upgrade, before accept(). Accepted sockets stay open and echo.
 * - `/api/auth/buyer/orders/`: DRF. With TokenAuthentication first, `Authorization: Token <valid>` →
 *   200 JSON list, a bad token → 401 `WWW-Authenticate: Token` {"detail":"Invalid token."}. With
 *   token auth removed (DRF's defaults, Session + Basic), any token → 403 {"detail":"Authentication
 *   credentials were not provided."}: SessionAuthentication has no challenge, so DRF answers 403.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer } from 'ws';
import { makeServerPki, type KeyAndCert } from './certs';

/** The states the replica can be switched into. */
export const Regression = {
  HEALTHY: 'healthy',
  /** ALLOWED_HOSTS lost the front-end origin (https://indexo.ir) but still allows the host itself. */
  ORIGIN_REJECTED: 'origin-rejected',
  /** REST_FRAMEWORK lost TokenAuthentication: DRF's defaults (Session + Basic) remain. */
  TOKEN_AUTH_REMOVED: 'token-auth-removed',
  /** The proxy is down: nothing listens on the port (TCP refusal). */
  REFUSING: 'refusing',
  /** Healthy, but the proxy serves a certificate that expires in 5 days (its renewal stopped). */
  CERTIFICATE_EXPIRING: 'certificate-expiring',
} as const;
export type Regression = (typeof Regression)[keyof typeof Regression];

export const WS_PATH = '/ws/chat/';
export const API_PATH = '/api/auth/buyer/orders/';

/** The Django settings each state stands for. */
interface Settings {
  readonly allowedHosts: readonly string[];
  readonly tokenAuthentication: boolean;
  readonly listening: boolean;
  /** The proxy's certificate: valid 30 days, or the one whose renewal stopped (5 days left). */
  readonly certificate: 'renewed' | 'expiring';
}

/** Whole days left on the certificate the replica serves in `certificate-expiring` (issued with half a day more). */
export const EXPIRING_CERTIFICATE_DAYS = 5;

// Loopback names stand for the backend's own host name (multivendor-backend.indexo.ir): the
// replica is reached as 127.0.0.1, so that is "the host itself" the probe's follow-up origin names.
const OWN_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];
const HEALTHY: Settings = { allowedHosts: ['.indexo.ir', ...OWN_HOSTS], tokenAuthentication: true, listening: true, certificate: 'renewed' };
const SETTINGS: Readonly<Record<Regression, Settings>> = {
  healthy: HEALTHY,
  'origin-rejected': { ...HEALTHY, allowedHosts: ['multivendor-backend.indexo.ir', ...OWN_HOSTS] },
  'token-auth-removed': { ...HEALTHY, tokenAuthentication: false },
  refusing: { ...HEALTHY, listening: false },
  'certificate-expiring': { ...HEALTHY, certificate: 'expiring' },
};

const ORDERS = [
  { id: 1042, status: 'delivered', total: '129.00', currency: 'IRT', items: 3 },
  { id: 1057, status: 'shipped', total: '48.50', currency: 'IRT', items: 1 },
];

export interface ReplicaOptions {
  /** The one valid token. @default - 40 random hex characters, like a DRF authtoken */
  readonly token?: string;
  /** Port on 127.0.0.1. @default 0 (an ephemeral port, kept across `refusing`) */
  readonly port?: number;
}

/** A running replica. */
export interface Replica {
  readonly port: number;
  /** `https://127.0.0.1:<port>` */
  readonly origin: string;
  /** `wss://127.0.0.1:<port>/ws/chat/` (no token: the probe adds it). */
  readonly wsUrl: string;
  /** `https://127.0.0.1:<port>/api/auth/buyer/orders/` */
  readonly apiUrl: string;
  /** PEM of the CA that signed the server certificate: trust it with runCheck's `ca`. */
  readonly ca: string;
  /** The valid token. Never log it. */
  readonly token: string;
  /** The current state. */
  readonly regression: Regression;
  /** Switch state; `refusing` closes the listener and every connection, leaving it re-listens on the same port. */
  set(regression: Regression): Promise<void>;
  /** Open TCP connections (tests check that nothing is left behind). */
  openSockets(): number;
  /** Stop listening and destroy every socket. Idempotent. */
  close(): Promise<void>;
}

/** Start the replica on 127.0.0.1, healthy. */
export async function startReplica(opts: ReplicaOptions = {}): Promise<Replica> {
  const pki = makeServerPki();
  const token = opts.token ?? randomBytes(20).toString('hex');
  /** Each open connection, with a promise settled by its 'close' event (`socket.closed` turns true before it fires). */
  const sockets = new Map<Socket, Promise<void>>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });

  let state: Regression = Regression.HEALTHY;
  let closed = false;
  let servedCertificate: Settings['certificate'] = 'renewed';
  let expiring: KeyAndCert | undefined;
  const server: Server = createServer({ key: pki.server.key, cert: pki.server.cert });
  server.on('connection', (socket: Socket) => {
    sockets.set(
      socket,
      new Promise<void>((resolve) =>
        socket.once('close', () => {
          sockets.delete(socket);
          resolve();
        }),
      ),
    );
  });
  // A client that gives up mid-handshake is normal traffic for a monitor's target.
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('request', (req, res) => handleRequest(req, res, SETTINGS[state], token));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const verdict = upgradeVerdict(req, SETTINGS[state], token);
    if (verdict) {
      rejectUpgrade(socket, verdict.status, verdict.reason);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await listen(server, opts.port ?? 0);
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('replica: no TCP address after listen');
  const port = address.port;
  const origin = `https://127.0.0.1:${port}`;

  const dropAll = async () => {
    for (const ws of wss.clients) ws.terminate();
    const open = [...sockets];
    for (const [s] of open) s.destroy();
    await Promise.all(open.map(([, closed]) => closed));
  };
  const stopListening = async () => {
    if (!server.listening) return;
    const done = new Promise<void>((resolve) => server.close(() => resolve()));
    await dropAll();
    await done;
  };

  return {
    port,
    origin,
    wsUrl: `wss://127.0.0.1:${port}${WS_PATH}`,
    apiUrl: `${origin}${API_PATH}`,
    ca: pki.ca,
    token,
    get regression() {
      return state;
    },
    async set(next: Regression) {
      if (closed) throw new Error('replica: set() after close()');
      if (!(next in SETTINGS)) throw new Error(`replica: unknown regression ${JSON.stringify(next)}`);
      state = next;
      // New handshakes get the other certificate; open connections keep theirs, as on a proxy reload.
      if (SETTINGS[next].certificate !== servedCertificate) {
        servedCertificate = SETTINGS[next].certificate;
        const leaf =
          servedCertificate === 'expiring'
            ? (expiring ??= pki.issue(new Date(Date.now() + (EXPIRING_CERTIFICATE_DAYS + 0.5) * 86_400_000)))
            : pki.server;
        server.setSecureContext({ key: leaf.key, cert: leaf.cert });
      }
      if (SETTINGS[next].listening) {
        if (!server.listening) await listen(server, port);
      } else {
        await stopListening();
      }
    },
    openSockets: () => sockets.size,
    async close() {
      closed = true;
      await stopListening();
      await dropAll();
      wss.close();
      // libuv frees closed handles in the loop's close phase, after 'close' events; one timer tick
      // later they are gone, so a caller checking for leftover handles sees none.
      await sleep(1);
    },
  };
}

/** Listen on 127.0.0.1:port; the same port again after `refusing` (retried briefly if the OS still holds it). */
async function listen(server: Server, port: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => {
          server.off('listening', onListening);
          reject(err);
        };
        const onListening = () => {
          server.off('error', onError);
          resolve();
        };
        server.once('error', onError);
        server.once('listening', onListening);
        // A deep backlog: the benchmark opens hundreds of connections at once.
        server.listen({ port, host: '127.0.0.1', backlog: 2048 });
      });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0 || attempt >= 20) throw err;
      await sleep(50);
    }
  }
}

/** Django's `is_same_domain`: a leading dot matches the domain and every subdomain; `*` matches all. */
function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('.')) return h === p.slice(1) || h.endsWith(p);
    return h === p;
  });
}

/** The host name of a Host header or an Origin, without port; undefined when unparsable. */
function hostnameOf(value: string, isOrigin: boolean): string | undefined {
  try {
    const url = new URL(isOrigin ? value : `http://${value}`);
    if (isOrigin && url.origin === 'null') return undefined;
    return url.hostname;
  } catch {
    return undefined;
  }
}

/** Channels: the origin validator, then the consumer's connect(); undefined = accept. */
function upgradeVerdict(req: IncomingMessage, settings: Settings, token: string): { status: number; reason: string } | undefined {
  const url = new URL(req.url ?? '/', 'https://replica.invalid');
  // Channels' URLRouter raises "No route found" for any other path; daphne answers that upgrade 500
  // (checked against the real stack in test/real/imitations.test.ts), not 404.
  if (url.pathname !== WS_PATH) return { status: 500, reason: 'Internal server error' };
  // AllowedHostsOriginValidator: no Origin, or one whose host is not in ALLOWED_HOSTS → denied.
  const originHost = typeof req.headers.origin === 'string' ? hostnameOf(req.headers.origin, true) : undefined;
  if (originHost === undefined || !hostAllowed(originHost, settings.allowedHosts)) return { status: 403, reason: 'Access denied' };
  // The consumer closes before accept() when the token is missing or wrong: daphne answers 403 too.
  if (!sameSecret(url.searchParams.get('token') ?? '', token)) return { status: 403, reason: 'Access denied' };
  return undefined;
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `<html><head><title>${status} - ${reason}</title></head><body>${status} - ${reason}</body></html>`;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nServer: daphne\r\nContent-Type: text/html; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'X-Frame-Options': 'DENY',
    ...headers,
  });
  res.end(text);
}

/** Django (ALLOWED_HOSTS on Host) and DRF's authentication, as the seed's settings make them answer. */
function handleRequest(req: IncomingMessage, res: ServerResponse, settings: Settings, token: string): void {
  req.resume();
  const host = hostnameOf(req.headers.host ?? '', false);
  if (host === undefined || !hostAllowed(host, settings.allowedHosts)) {
    send(res, 400, '<h1>Bad Request (400)</h1>');
    return;
  }
  const path = new URL(req.url ?? '/', 'https://replica.invalid').pathname;
  if (path !== API_PATH) {
    send(res, 404, '<h1>Not Found</h1><p>The requested resource was not found on this server.</p>');
    return;
  }
  const drf = { Allow: 'GET, HEAD, OPTIONS', Vary: 'Accept' };
  if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
    send(res, 405, { detail: `Method "${req.method}" not allowed.` }, drf);
    return;
  }
  const auth = (req.headers.authorization ?? '').split(/\s+/).filter(Boolean);
  const isTokenHeader = auth[0]?.toLowerCase() === 'token';
  if (!settings.tokenAuthentication) {
    // Session + Basic: nothing recognizes "Token …"; the first class (Session) has no challenge → 403.
    send(res, 403, { detail: 'Authentication credentials were not provided.' }, drf);
    return;
  }
  // TokenAuthentication first: its challenge turns every authentication failure into a 401.
  const challenge = { ...drf, 'WWW-Authenticate': 'Token' };
  if (!isTokenHeader) {
    send(res, 401, { detail: 'Authentication credentials were not provided.' }, challenge);
    return;
  }
  if (auth.length === 1) {
    send(res, 401, { detail: 'Invalid token header. No credentials provided.' }, challenge);
    return;
  }
  if (auth.length > 2) {
    send(res, 401, { detail: 'Invalid token header. Token string should not contain spaces.' }, challenge);
    return;
  }
  if (!sameSecret(auth[1]!, token)) {
    send(res, 401, { detail: 'Invalid token.' }, challenge);
    return;
  }
  send(res, 200, ORDERS, drf);
}
