/**
 * A scripted peer on loopback for the conformance harness: a raw TCP (or TLS over tracked TCP)
 * server that, per connection, optionally speaks first (`greet`), then waits for a request head
 * and plays `respond`, a list of steps: bytes to write, pauses, a FIN, an RST. Bytes may carry
 * `{accept}` (the Sec-WebSocket-Accept for the request's key) and `{query}` (the request's query
 * string, for echo-the-token cases). When the steps run out the connection stays open: the client
 * decides when it ends. Every TCP connection is tracked, so a test can see that none is left open.
 */
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type TlsOptions } from 'node:tls';
import type { Duplex } from 'node:stream';

export type Step = { readonly write: string | Buffer } | { readonly wait: number } | { readonly end: true } | { readonly reset: true };

export interface PeerScript {
  /** Steps played as soon as the connection is accepted (before any request). */
  readonly greet?: readonly Step[];
  /** Steps played once a request head (up to CRLFCRLF) has arrived. @default - nothing */
  readonly respond?: readonly Step[];
  /** TLS options for the listener; absent: plain TCP. */
  readonly tls?: TlsOptions;
}

export interface Peer {
  readonly port: number;
  /** TCP connections open right now. */
  readonly connections: number;
  /** Request heads received so far. */
  readonly requests: readonly string[];
  /** Wait (bounded) until no connection is open; resolves to whether that happened. */
  idle(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept for a request head (RFC 6455 §4.2.2), or '' when it has no key. */
export function acceptFor(head: string): string {
  const key = /^sec-websocket-key:[ \t]*(\S+)/im.exec(head)?.[1];
  return key
    ? createHash('sha1')
        .update(key + GUID)
        .digest('base64')
    : '';
}

function fill(data: string | Buffer, head: string): Buffer {
  if (Buffer.isBuffer(data)) return data;
  const query = /^[A-Z]+ [^?\s]*\?(\S*) HTTP/.exec(head)?.[1] ?? '';
  return Buffer.from(
    data.replace(/\{accept\}/g, () => acceptFor(head)).replace(/\{query\}/g, () => query),
    'latin1',
  );
}

async function play(stream: Duplex, raw: Socket, steps: readonly Step[], head: string): Promise<void> {
  for (const step of steps) {
    if (raw.destroyed) return;
    if ('write' in step) stream.write(fill(step.write, head));
    else if ('wait' in step) await new Promise((r) => setTimeout(r, step.wait));
    else if ('end' in step) {
      stream.end();
      return;
    } else {
      raw.resetAndDestroy();
      return;
    }
  }
}

/** Start a peer on 127.0.0.1 playing `script` on every connection. */
export async function startPeer(script: PeerScript): Promise<Peer> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const onStream = (stream: Duplex, raw: Socket) => {
    stream.on('error', () => undefined);
    let head = '';
    let done = false;
    void play(stream, raw, script.greet ?? [], '').then(() => {
      const onData = (chunk: Buffer) => {
        if (done) return;
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        done = true;
        head = head.slice(0, end + 4);
        requests.push(head);
        void play(stream, raw, script.respond ?? [], head);
      };
      stream.on('data', onData);
    });
  };
  const context = script.tls ? createSecureContext(script.tls) : undefined;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (!context) return onStream(socket, socket);
    const { requestCert = false, rejectUnauthorized = false, ALPNProtocols } = script.tls!;
    const secure = new TLSSocket(socket, {
      isServer: true,
      secureContext: context,
      requestCert,
      rejectUnauthorized,
      ...(ALPNProtocols ? { ALPNProtocols } : {}),
    });
    secure.on('error', () => socket.destroy());
    onStream(secure, socket);
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
    requests,
    async idle(timeoutMs = 3000) {
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
