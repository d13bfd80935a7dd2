/**
 * Shared by the CLI tests: spawn the built CLI (dist/synthmon.js, as `npx synthmon` runs it) with a
 * clean environment, and a small loopback TLS backend shaped like the seed's (DRF token auth on the
 * API, Channels' origin validation and token-in-query on the WebSocket).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { makeTestPki } from '../../demo/certs';

export const CLI = fileURLToPath(new URL('../../dist/synthmon.js', import.meta.url));

/** A token that must never show up in any output. URL-safe, so encoded forms equal the raw one. */
export const CANARY = 'canary-7Qx9-tok-51f0e2';

/** The origin the fake front end uses (the seed's). */
export const FRONT_END_ORIGIN = 'https://indexo.ir';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the child, for deadline bounds (not speed assertions). */
  readonly elapsedMs: number;
}

export interface RunOptions {
  /** Variables on top of the clean base environment. */
  readonly env?: Record<string, string>;
  /** Kill the child after this long and fail. @default 60000 */
  readonly killAfterMs?: number;
}

/** A scratch directory for config files and the CA bundle, removed by `cleanup()`. */
export function scratch(): { dir: string; write(name: string, content: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'synthmon-cli-'));
  return {
    dir,
    write: (name, content) => {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Run the built CLI. The base environment is deliberately bare (no inherited SYNTHMON_*, AWS_*,
 * FORCE_COLOR from the test runner); every run asserts the canary token is absent from both streams.
 */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env };
  const started = performance.now();
  return new Promise<CliRun>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`synthmon ${args.join(' ')} still running after ${options.killAfterMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.killAfterMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(killer);
      if (stdout.includes(CANARY) || stderr.includes(CANARY)) {
        reject(new Error(`the canary token leaked:\nstdout: ${stdout}\nstderr: ${stderr}`));
        return;
      }
      resolve({ code, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}

/** stdout split into lines, the final newline dropped. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, i, all) => !(i === all.length - 1 && line === ''));
}

export interface Backend {
  /** `https://127.0.0.1:<port>` */
  readonly httpsBase: string;
  /** `wss://127.0.0.1:<port>` */
  readonly wssBase: string;
  /** PEM file of the CA that signed the server certificate (for NODE_EXTRA_CA_CERTS). */
  readonly caFile: string;
  /** Requests seen, as `METHOD path` (query included). */
  readonly seen: string[];
  /** Authorization headers seen, in order. */
  readonly authorizations: Array<string | undefined>;
  /** Client connections still open on the server. */
  openSockets(): number;
  /** Forget earlier WebSocket upgrades (for `/after-ws`). */
  resetUpgrades(): void;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

/**
 * The seed's backend on loopback TLS (its certificate valid 30 days, or `leaf: 'expiringSoon'`: 5 days less a minute):
 * - `GET /api/orders/`: DRF with Session auth first: `Authorization: Token <CANARY>` → 200 `[]`,
 *   anything else → 403 "Authentication credentials were not provided.".
 * - `GET /api/token-only/`: DRF with TokenAuthentication: `Token <CANARY>` → 200, else 401 with
 *   `WWW-Authenticate: Token`.
 * - `GET /api/query/?token=<CANARY>` → 200, else 401 `WWW-Authenticate: Token`.
 * - `GET /hang`: reads the request and never answers.
 * - `GET /after-ws`: answers 200 once a WebSocket upgrade has arrived since resetUpgrades() (500 if
 *   none within 10 s):
 *   proves two checks run at the same time without measuring speed.
 * - WebSocket `/ws/chat/`: Origin must be the front end's or the server's own (else a raw 403,
 *   as daphne answers); `?token=<CANARY>` keeps the socket open (echo), else accept then close 4001.
 */
export async function startBackend(dir: string, options: { leaf?: 'server' | 'expiringSoon' } = {}): Promise<Backend> {
  const pki = makeTestPki();
  const leaf = pki[options.leaf ?? 'server'];
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.ca);
  const seen: string[] = [];
  const authorizations: Array<string | undefined> = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const upgradeWaiters = new Set<() => void>();
  let upgrades = 0;

  const server: Server = createHttpsServer({ key: leaf.key, cert: leaf.cert }, (req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    authorizations.push(req.headers.authorization);
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const auth = req.headers.authorization;
    switch (url.pathname) {
      case '/api/orders/':
        if (auth === `Token ${CANARY}`) return json(res, 200, []);
        return json(res, 403, { detail: 'Authentication credentials were not provided.' });
      case '/api/token-only/':
        if (auth === `Token ${CANARY}`) return json(res, 200, []);
        return json(res, 401, { detail: 'Invalid token.' }, { 'www-authenticate': 'Token' });
      case '/api/query/':
        if (url.searchParams.get('token') === CANARY) return json(res, 200, []);
        return json(res, 401, { detail: 'Invalid token.' }, { 'www-authenticate': 'Token' });
      case '/hang':
        hanging.add(res);
        res.once('close', () => hanging.delete(res));
        return undefined;
      case '/after-ws': {
        if (upgrades > 0) return json(res, 200, { upgrades });
        // Otherwise wait for the first upgrade since the last resetUpgrades().
        const timer = setTimeout(() => {
          upgradeWaiters.delete(done);
          json(res, 500, { detail: 'no websocket arrived while this request was open' });
        }, 10_000);
        const done = () => {
          clearTimeout(timer);
          json(res, 200, { upgrades });
        };
        upgradeWaiters.add(done);
        res.once('close', () => {
          clearTimeout(timer);
          upgradeWaiters.delete(done);
        });
        return undefined;
      }
      default:
        return json(res, 404, { detail: 'Not found.' });
    }
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const token = new URL(req.url ?? '/', 'https://127.0.0.1').searchParams.get('token');
    if (token !== CANARY) {
      ws.close(4001, 'unauthenticated');
      return;
    }
    ws.on('message', (data) => ws.send(data));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push(`UPGRADE ${req.url}`);
    upgrades += 1;
    for (const waiter of upgradeWaiters) waiter();
    upgradeWaiters.clear();
    const { port } = server.address() as AddressInfo;
    const allowed = [FRONT_END_ORIGIN, `https://127.0.0.1:${port}`];
    const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
    if (path !== '/ws/chat/') {
      // Channels' URLRouter raises "No route found": daphne answers 500 (test/real/imitations.test.ts).
      socket.end('HTTP/1.1 500 Internal server error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!allowed.includes(req.headers.origin ?? '')) {
      socket.end('HTTP/1.1 403 Access denied\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    httpsBase: `https://127.0.0.1:${port}`,
    wssBase: `wss://127.0.0.1:${port}`,
    caFile,
    seen,
    authorizations,
    openSockets: () => sockets.size,
    resetUpgrades: () => {
      upgrades = 0;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
