/**
 * Raw TCP fault servers and resolvers for network fault tests: a port nobody listens on, a server
 * that accepts and never says a word (so neither an HTTP answer nor a TLS ServerHello ever comes),
 * one that resets the connection as soon as the client speaks, one that answers the first request
 * with scripted raw bytes, and a TLS server that records every byte a client sends. Also the token
 * templates the backends use to echo a token back in the encodings servers use (leak tests).
 */
import type { LookupFunction } from 'node:net';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';

export interface FaultServer {
  readonly port: number;
  /** TCP connections open right now. */
  readonly connections: number;
  /** Wait until no connection is open, up to `timeoutMs`; resolves to whether that happened. */
  idle(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

async function startFaultServer(onSocket: (socket: Socket) => void): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return sockets.size;
    },
    async idle(timeoutMs = 2000) {
      const until = Date.now() + timeoutMs;
      while (sockets.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      return sockets.size === 0;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Answers the first request on each connection with `respond(request)` as raw bytes, then keeps the
 * connection open (the client decides when it ends): a 101 without Upgrade, a bad accept key, …
 */
export function startScriptedServer(respond: (request: string) => string | Buffer): Promise<FaultServer> {
  return startFaultServer((socket) => {
    let request = '';
    const onData = (chunk: Buffer) => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.resume();
      socket.write(respond(request));
    };
    socket.on('data', onData);
  });
}

/** A TLS listener that records what clients send after the handshake (nothing should reach an untrusted one). */
export interface TlsRecorder extends FaultServer {
  /** Every application byte received so far, as latin1 text. */
  readonly received: () => string;
}

export async function startTlsRecorder(options: TlsOptions): Promise<TlsRecorder> {
  let received = '';
  const tls = createTlsServer(options, (socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  });
  tls.on('tlsClientError', () => undefined);
  const server = await startFaultServer((socket) => tls.emit('connection', socket));
  return {
    port: server.port,
    get connections() {
      return server.connections;
    },
    idle: (ms) => server.idle(ms),
    close: () => server.close(),
    received: () => received,
  };
}

/**
 * The encodings of a token a server may echo: `{token}` raw, `{token:json}` JSON-escaped,
 * `{token:json-slash}` with `\/` too, `{token:url}` / `{token:url-lower}` percent-encoded,
 * `{token:form}` form-encoded (`+` for a space), `{token:uri}` encodeURI (leaves `/` and `+`),
 * `{token:html}` HTML-escaped.
 */
export function tokenForms(token: string): Readonly<Record<string, string>> {
  const url = encodeURIComponent(token);
  const json = JSON.stringify(token).slice(1, -1);
  return {
    token,
    'token:json': json,
    'token:json-slash': json.replace(/\//g, '\\/'),
    'token:url': url,
    'token:url-lower': url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    'token:form': new URLSearchParams({ t: token }).toString().slice(2),
    'token:uri': encodeURI(token),
    'token:html': token.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;'),
  };
}

/** Replace every `{token…}` placeholder of `template` with that encoding of `token` (empty when none was sent). */
export function fillToken(template: string, token: string | undefined): string {
  const forms = tokenForms(token ?? '');
  return template.replace(/\{(token(?::[a-z-]+)?)\}/g, (m, name: string) => (token === undefined ? '' : (forms[name] ?? m)));
}

/** Accepts TCP and reads, but never writes: an HTTP answer or a TLS ServerHello never comes. */
export function startSilentServer(): Promise<FaultServer> {
  return startFaultServer((socket) => socket.resume());
}

/** Sends a TCP RST as soon as the client sends anything (before any HTTP response). */
export function startResetServer(): Promise<FaultServer> {
  return startFaultServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
}

/** A loopback port with nothing listening: bind an ephemeral port, then close it. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A resolver that answers every name with one address, honouring `all` (Node's happy-eyeballs
 * connect asks for all addresses), so tests never reach a real DNS server.
 */
export function lookupTo(address: string, family: 4 | 6 = 4): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    process.nextTick(() => (options.all ? callback(null, [{ address, family }]) : callback(null, address, family)));
  }) as unknown as LookupFunction;
}

/** A resolver that fails like getaddrinfo does for an unknown name. */
export function lookupFails(code = 'ENOTFOUND'): LookupFunction {
  return ((hostname: string, _options: unknown, callback: (err: NodeJS.ErrnoException) => void) => {
    const err: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), {
      code,
      errno: -3008,
      syscall: 'getaddrinfo',
      hostname,
    });
    process.nextTick(() => callback(err));
  }) as unknown as LookupFunction;
}

/** A resolver that never answers (a black-holed DNS server). */
export function lookupHangs(): LookupFunction {
  return (() => undefined) as unknown as LookupFunction;
}
