/**
 * Raw TCP fault servers and resolvers for network fault tests: a port nobody listens on, a server
 * that accepts and never says a word (so neither an HTTP answer nor a TLS ServerHello ever comes),
 * and one that resets the connection as soon as the client speaks.
 */
import type { LookupFunction } from 'node:net';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

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
    const err: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code, errno: -3008, syscall: 'getaddrinfo', hostname });
    process.nextTick(() => callback(err));
  }) as unknown as LookupFunction;
}

/** A resolver that never answers (a black-holed DNS server). */
export function lookupHangs(): LookupFunction {
  return (() => undefined) as unknown as LookupFunction;
}
