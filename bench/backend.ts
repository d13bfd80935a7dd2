/**
 * The loopback backend every network benchmark probes: one HTTPS server (real certificate from
 * dev/certs.ts) answering the orders endpoint and accepting WebSocket upgrades on the same port.
 */
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { makeServerPki } from '../demo/certs';

export interface Backend {
  readonly port: number;
  /** PEM of the CA that signed the server certificate. */
  readonly ca: string;
  readonly wsUrl: string;
  readonly httpUrl: string;
  /** Close the listener and every connection still open. */
  close(): Promise<void>;
}

export const ORDERS_PATH = '/api/auth/buyer/orders/';
export const WS_PATH = '/ws/chat/';
const ORDERS_BODY = JSON.stringify({ count: 0, results: [] });

/** Start the backend on 127.0.0.1 with a fresh PKI, or with the one given. */
export async function startBackend(pki = makeServerPki()): Promise<Backend> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ key: pki.server.key, cert: pki.server.cert }, (req, res) => {
    if (req.url?.startsWith(ORDERS_PATH)) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ORDERS_BODY) });
      res.end(ORDERS_BODY);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"detail":"Not found."}');
    }
  });
  // The probes open a connection per attempt; thousands of them must not queue behind a small backlog.
  server.maxConnections = 10_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ server, path: WS_PATH, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('error', () => undefined));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 2048 }, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('backend has no TCP address');
  const port = address.port;
  return {
    port,
    ca: pki.ca,
    wsUrl: `wss://127.0.0.1:${port}${WS_PATH}`,
    httpUrl: `https://127.0.0.1:${port}${ORDERS_PATH}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
