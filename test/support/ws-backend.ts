/**
 * A loopback replica of the seed's WebSocket backend (Django Channels under daphne, behind a proxy),
 * built from a real http(s) server and ws.WebSocketServer({ noServer }). The default behaves like
 * `AllowedHostsOriginValidator(TokenAuthMiddleware(URLRouter([...chat consumer])))`; switches make it
 * behave like the regressions: a proxy answering plain HTTP, a hung backend, a consumer closing with 4003.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KeyAndCert } from '../../demo/certs';
import { fillToken } from './fault-servers';

/** A plain HTTP answer to the upgrade request, as a proxy or the Django HTTP app would give it. */
export interface StatusAnswer {
  readonly status: number;
  readonly reason?: string;
  /** Extra headers; `{token}` (or `{token:json}`, `{token:url}`, … see fillToken) in a value is replaced by the token the client sent (to test leaks). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body; token placeholders as in `headers`. */
  readonly body?: string;
  /** Announce 1 KB more body than is sent and never end: a proxy stalled mid-response. @default false */
  readonly stallBody?: boolean;
}

/** The backend's switches. Every field is optional; `setMode` starts again from the start options. */
export interface WsBackendMode {
  /**
   * Django ALLOWED_HOSTS as the origin validator uses it: the Origin's host must match one
   * (`*` any, `.example.com` the domain and its subdomains). A missing Origin is rejected unless `*`.
   * @default ['localhost', '127.0.0.1', '[::1]']
   */
  readonly allowedHosts?: readonly string[];
  /** The token the auth middleware accepts (query `token` or `Authorization: Token …`). @default - no auth */
  readonly token?: string;
  /**
   * What answers the upgrade: `channels` (the validator → auth → consumer stack), `hang` (read the
   * request, never answer), `reset` (destroy the connection), or a plain HTTP status.
   * @default 'channels'
   */
  readonly answer?: 'channels' | 'hang' | 'reset' | StatusAnswer;
  /** Wait this long before answering the upgrade. @default 0 */
  readonly delayMs?: number;
  /** How the consumer refuses a bad token: close before accept() (HTTP 403) or accept then close(code). @default 'http403' */
  readonly authFailure?: 'http403' | { readonly closeCode: number; readonly reason?: string };
  /** The consumer accepts, then closes with this code after `afterMs` (token placeholders in `reason`). @default - stays open */
  readonly closeAfterAccept?: { readonly code: number; readonly reason?: string; readonly afterMs?: number };
  /**
   * The connection dies after accept() without a close frame: `fin` ends it (the proxy or daphne
   * crashing), `rst` resets it (plain ws:// only: a TLS socket cannot send a bare RST).
   * @default - stays up
   */
  readonly dropAfterAccept?: { readonly how: 'fin' | 'rst'; readonly afterMs?: number };
  /** What the consumer sends back for each message (token placeholders in `fixed`, see fillToken). @default 'echo' */
  readonly reply?: 'echo' | 'silent' | { readonly fixed: string };
  /** The consumer sends one binary message of this many bytes right after accept() (a chat history, say). @default - none */
  readonly sendOnAccept?: { readonly bytes: number };
  /** Put the request line and headers (token included) in the 403 body, as a debug page might. @default false */
  readonly echoRequestOn403?: boolean;
}

export interface WsBackendOptions extends WsBackendMode {
  /** Serve wss:// with this certificate. @default - plain ws:// */
  readonly tls?: KeyAndCert;
  /** The WebSocket route. @default '/ws/chat/' */
  readonly path?: string;
  /** Address to bind. @default '127.0.0.1' */
  readonly host?: string;
}

/** What the backend saw of one upgrade request (the token itself is not kept). */
export interface HandshakeRecord {
  readonly origin?: string;
  readonly tokenIn?: 'query' | 'header';
  readonly path: string;
  readonly result: 'accepted' | 'origin_rejected' | 'token_rejected' | 'no_route' | 'status' | 'hang' | 'reset';
}

export interface WsBackend {
  readonly port: number;
  /** ws(s)://localhost:<port><path> */
  readonly url: string;
  /** TCP connections open right now (any state: handshaking, upgraded, hung). */
  readonly connections: number;
  /** Every upgrade request seen, oldest first. */
  readonly handshakes: readonly HandshakeRecord[];
  /** Replace the switches (fields not given fall back to the start options). */
  setMode(mode: WsBackendMode): void;
  /** Wait until no connection is open, up to `timeoutMs`; resolves to whether that happened. */
  idle(timeoutMs?: number): Promise<boolean>;
  /** Destroy every connection and stop listening. */
  close(): Promise<void>;
}

const DEFAULT_ALLOWED_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** Start the replica on an ephemeral loopback port. */
export async function startWsBackend(options: WsBackendOptions = {}): Promise<WsBackend> {
  const path = options.path ?? '/ws/chat/';
  const base: WsBackendMode = { ...options };
  let mode: WsBackendMode = base;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const handshakes: HandshakeRecord[] = [];
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // A plain GET reaches the Django HTTP app, which has no view for the WebSocket route.
    if (req.url === '/healthz') res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    else res.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>Not Found</h1>');
  };
  const server: Server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : createHttpServer(onRequest);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A client that gives up mid-handshake must not crash the test process.
  server.on('clientError', (_err, socket: Duplex) => socket.destroy());
  server.on('tlsClientError', () => undefined);

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const answer = () => {
      if (socket.destroyed) return;
      handleUpgrade(req, socket, head);
    };
    const delay = mode.delayMs ?? 0;
    if (delay > 0) later(delay, answer);
    else answer();
  });

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const m = mode;
    const url = new URL(req.url ?? '/', 'http://replica');
    const headerToken = /^Token\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const queryToken = url.searchParams.get('token') ?? undefined;
    const sentToken = queryToken ?? headerToken;
    const record = (result: HandshakeRecord['result']) =>
      handshakes.push({
        path: url.pathname,
        result,
        ...(req.headers.origin !== undefined ? { origin: req.headers.origin } : {}),
        ...(queryToken !== undefined ? { tokenIn: 'query' as const } : headerToken !== undefined ? { tokenIn: 'header' as const } : {}),
      });
    const answer = m.answer ?? 'channels';
    if (answer === 'hang') return void record('hang');
    if (answer === 'reset') {
      record('reset');
      return void socket.destroy();
    }
    if (typeof answer === 'object') {
      record('status');
      const headers = Object.fromEntries(Object.entries(answer.headers ?? {}).map(([k, v]) => [k, fillToken(v, sentToken)]));
      return writeRaw(
        socket,
        answer.status,
        answer.reason ?? reasonPhrase(answer.status),
        headers,
        fillToken(answer.body ?? '', sentToken),
        answer.stallBody,
      );
    }
    if (url.pathname !== path) {
      // Channels' URLRouter raises "No route found"; daphne answers the upgrade 500 with no body
      // (checked against the real stack in test/real/imitations.test.ts).
      record('no_route');
      return writeRaw(socket, 500, 'Internal server error', {}, '');
    }
    if (!originAllowed(req.headers.origin, m.allowedHosts ?? DEFAULT_ALLOWED_HOSTS)) {
      record('origin_rejected');
      return deny(socket, req, m);
    }
    const tokenOk = m.token === undefined || sentToken === m.token;
    if (!tokenOk && (m.authFailure ?? 'http403') === 'http403') {
      record('token_rejected');
      return deny(socket, req, m);
    }
    record(tokenOk ? 'accepted' : 'token_rejected');
    wss.handleUpgrade(req, socket, head, (ws) => consumer(ws, tokenOk, m, sentToken));
    const drop = m.dropAfterAccept;
    if (drop) {
      later(drop.afterMs ?? 0, () => {
        if (drop.how === 'rst' && 'resetAndDestroy' in socket) (socket as Socket).resetAndDestroy();
        else socket.destroy();
      });
    }
  }

  function consumer(ws: WebSocket, tokenOk: boolean, m: WsBackendMode, sentToken: string | undefined) {
    ws.on('error', () => undefined);
    const failure = m.authFailure;
    if (!tokenOk && typeof failure === 'object') return void ws.close(failure.closeCode, fillToken(failure.reason ?? '', sentToken));
    if (m.sendOnAccept) ws.send(Buffer.alloc(m.sendOnAccept.bytes, 0x78));
    const closeAfter = m.closeAfterAccept;
    if (closeAfter) {
      const close = () => ws.readyState === ws.OPEN && ws.close(closeAfter.code, fillToken(closeAfter.reason ?? '', sentToken));
      if (closeAfter.afterMs) later(closeAfter.afterMs, close);
      else close();
    }
    ws.on('message', (data, isBinary) => {
      const reply = m.reply ?? 'echo';
      if (reply === 'silent') return;
      ws.send(reply === 'echo' ? data : fillToken(reply.fixed, sentToken), { binary: reply === 'echo' && isBinary });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `${options.tls ? 'wss' : 'ws'}://localhost:${port}${path}`,
    get connections() {
      return sockets.size;
    },
    handshakes,
    setMode(next: WsBackendMode) {
      mode = { ...base, ...next };
    },
    async idle(timeoutMs = 2000) {
      const until = Date.now() + timeoutMs;
      while (sockets.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      return sockets.size === 0;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const ws of wss.clients) ws.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Channels' AllowedHostsOriginValidator: the Origin's host against ALLOWED_HOSTS patterns. */
function originAllowed(origin: string | undefined, allowedHosts: readonly string[]): boolean {
  if (allowedHosts.includes('*')) return true;
  if (!origin) return false;
  let host: string;
  try {
    host = new URL(origin).hostname.toLowerCase();
  } catch {
    return false;
  }
  return allowedHosts.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith('.') ? host === p.slice(1) || host.endsWith(p) : host === p;
  });
}

/** daphne's answer when the app rejects the handshake (close() before accept()). */
function deny(socket: Duplex, req: IncomingMessage, m: WsBackendMode) {
  let body = '<html><head><title>403 Access denied</title></head><body><h1>403 Access denied</h1></body></html>';
  if (m.echoRequestOn403) {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    body += `\n<pre>${lines.join('\n')}</pre>`;
  }
  writeRaw(socket, 403, 'Access denied', { 'Content-Type': 'text/html; charset=utf-8', Server: 'daphne' }, body);
}

function writeRaw(socket: Duplex, status: number, reason: string, headers: Readonly<Record<string, string>>, body: string, stall = false) {
  const payload = Buffer.from(body, 'utf8');
  const lines = [`HTTP/1.1 ${status} ${reason}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push(`Content-Length: ${payload.length + (stall ? 1024 : 0)}`, 'Connection: close', '', '');
  const bytes = Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), payload]);
  if (stall) socket.write(bytes);
  else socket.end(bytes);
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    200: 'OK',
    301: 'Moved Permanently',
    302: 'Found',
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    426: 'Upgrade Required',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return phrases[status] ?? 'Status';
}
