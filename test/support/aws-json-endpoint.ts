/**
 * The scaffolding of a local AWS JSON 1.1 endpoint on 127.0.0.1 for the real SDK (`POST /`,
 * `X-Amz-Target: <service>.<Operation>`, signature required by the SDK but not verified): one
 * operation, scripted answers per key, hangs that hold the connection, every socket tracked and
 * destroyed on close. test/support/ssm-endpoint.ts and secrets-endpoint.ts add their operation.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What one request gets: a JSON answer, an AWS error, a raw body, or nothing (the connection hangs). */
export type JsonAnswer =
  | { readonly kind: 'json'; readonly body: unknown }
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly message?: string }
  | { readonly kind: 'raw'; readonly status: number; readonly body: string }
  | { readonly kind: 'hang' };

export interface JsonEndpoint {
  /** For AWS_ENDPOINT_URL_<SERVICE>. */
  readonly endpoint: string;
  /** Every request body received (for token-absence checks: the request never carries the value). */
  readonly bodies: readonly string[];
  /** Client connections currently open (idle keep-alive ones included). */
  openSockets(): number;
  /** Connections holding a request that was never answered ('hang') and still open. */
  hungSockets(): number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, text: string, errorType?: string): void {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': 'local-request',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

/** Start an endpoint that answers `target` (e.g. `AmazonSSM.GetParameter`) with `answer(input)`. */
export async function startJsonEndpoint(target: string, answer: (input: Record<string, unknown>) => JsonAnswer): Promise<JsonEndpoint> {
  const bodies: string[] = [];
  const sockets = new Set<Socket>();
  const hung = new Set<Socket>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      bodies.push(raw);
      if (req.method !== 'POST' || req.headers['x-amz-target'] !== target) {
        const type = 'UnknownOperationException';
        send(res, 400, JSON.stringify({ __type: type, message: `unsupported ${String(req.headers['x-amz-target'])}` }), type);
        return;
      }
      const a = answer(JSON.parse(raw) as Record<string, unknown>);
      if (a.kind === 'hang') hung.add(req.socket);
      else if (a.kind === 'raw') send(res, a.status, a.body);
      else if (a.kind === 'error')
        send(res, a.status, JSON.stringify({ __type: a.type, ...(a.message !== undefined ? { message: a.message } : {}) }), a.type);
      else send(res, 200, JSON.stringify(a.body));
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      hung.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bodies,
    openSockets: () => sockets.size,
    hungSockets: () => hung.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
