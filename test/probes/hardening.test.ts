/**
 * Probe-side hardening (nothing a server sends may crash or hang a probe), against loopback servers: large WebSocket messages, compressed
 * and hostile HTTP bodies, drops after the 101 and messages that fit their evidence (the server
 * certificate on every TLS result: ./certificate.test.ts).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCheck, type Check } from '../../contracts/config';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { MAX_MESSAGE_BYTES } from '../../lambda/probes/websocket';
import { lookupTo, startScriptedServer, startTlsRecorder } from '../support/fault-servers';
import { startHttpBackend, type HttpBackend, type HttpBackendOptions } from '../support/http-backend';
import { startWsBackend, type WsBackend } from '../support/ws-backend';
import { probeOnce, type Server } from './harness';

const TOKEN = 'hardening-TOKEN-4c2e81';

let pki: TestPki;
let wss: WsBackend;
let ws: WsBackend;
const started: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  pki = makeTestPki();
  wss = await startWsBackend({ tls: pki.server, token: TOKEN });
  ws = await startWsBackend({ token: TOKEN });
});
afterAll(async () => {
  await Promise.all([wss?.close(), ws?.close()]);
});
beforeEach(() => {
  wss.setMode({});
  ws.setMode({});
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function track<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const s = await server;
  started.push(s);
  return s;
}

function backend(options: HttpBackendOptions = {}): Promise<HttpBackend> {
  return track(startHttpBackend({ tls: pki.server, ...options, state: { tokens: [TOKEN], ...options.state } }));
}

function wsCheck(overrides: Record<string, unknown> = {}): Extract<Check, { kind: 'websocket' }> {
  return parseCheck({
    kind: 'websocket',
    name: 'chat',
    url: wss.url,
    timeoutMs: 3000,
    settleMs: 300,
    retryDelayMs: 0,
    auth: { in: 'query' },
    ...overrides,
  }) as Extract<Check, { kind: 'websocket' }>;
}

function httpCheck(url: string, overrides: Record<string, unknown> = {}): Extract<Check, { kind: 'http' }> {
  return parseCheck({ kind: 'http', name: 'orders', url, timeoutMs: 3000, retryDelayMs: 0, auth: {}, ...overrides }) as Extract<
    Check,
    { kind: 'http' }
  >;
}

const options = () => ({ token: TOKEN, ca: pki.ca, lookup: lookupTo('127.0.0.1') });
const conns = (b: WsBackend): Server => ({ openConnections: () => b.connections });

describe('WebSocket: a message larger than the probe reads is not a network failure', () => {
  it('reports ok when a healthy endpoint sends 10 MB right after accepting', async () => {
    wss.setMode({ sendOnAccept: { bytes: 10 * 1024 * 1024 } });
    const result = await probeOnce(wsCheck(), options(), [conns(wss)]);
    expect(result).toMatchObject({ ok: true, outcome: 'ok', status: 101 });
    expect(result.closeCode).toBeUndefined();
    expect(result.message).toContain(`a message larger than the probe reads (over ${MAX_MESSAGE_BYTES} bytes)`);
  });

  it('reports assertion, not reset, when the round-trip reply is larger than the probe reads', async () => {
    wss.setMode({ reply: { fixed: 'r'.repeat(2 * MAX_MESSAGE_BYTES) } });
    const result = await probeOnce(wsCheck({ roundTrip: { send: 'ping', expect: 'pong' } }), options(), [conns(wss)]);
    expect(result).toMatchObject({ outcome: 'assertion', status: 101 });
    expect(result.message).toContain('got a reply larger than the probe reads');
    expect(result.message).toContain('so it was not compared');
  });

  it('reports assertion when the large message comes before the round trip could be sent', async () => {
    wss.setMode({ sendOnAccept: { bytes: 10 * 1024 * 1024 } });
    const result = await probeOnce(wsCheck({ roundTrip: { send: 'ping', expect: 'ping' } }), options(), [conns(wss)]);
    expect(result).toMatchObject({ outcome: 'assertion', status: 101 });
    expect(result.message).toMatch(/^round trip not run: in the settle window the server sent a message larger than the probe reads/);
  });

  it('still reads a reply just under the cap', async () => {
    wss.setMode({ reply: { fixed: `${'r'.repeat(MAX_MESSAGE_BYTES - 10)}pong` } });
    const result = await probeOnce(wsCheck({ roundTrip: { send: 'ping', expect: 'pong' } }), options(), [conns(wss)]);
    expect(result).toMatchObject({ outcome: 'ok', status: 101 });
  });
});

describe('WebSocket: a drop after the 101 reads closed 1006, FIN or RST alike (README.md#outcomes)', () => {
  it.each([
    ['fin', undefined, '(connection closed)'],
    ['rst', 'ECONNRESET', '(connection reset: ECONNRESET)'],
  ] as const)('reports closed 1006 when the server drops the socket with %s', async (how, errorCode, detail) => {
    ws.setMode({ dropAfterAccept: { how, afterMs: 30 } });
    const result = await probeOnce(wsCheck({ url: ws.url }), options(), [conns(ws)]);
    expect(result).toMatchObject({ outcome: 'closed', status: 101, closeCode: 1006 });
    expect(result.evidence?.errorCode).toBe(errorCode);
    expect(result.message).toMatch(/^the server accepted the WebSocket \(101\), then dropped it after \d+ ms without a close frame \(1006\) /);
    expect(result.message).toContain(detail);
  });
});

describe('WebSocket: a protocol violation after the 101 reads closed, not reset', () => {
  it('reports closed when the server sends a frame with a reserved opcode inside the settle window', async () => {
    const raw = await track(
      startScriptedServer((request) => {
        const key = /sec-websocket-key: *(\S+)/i.exec(request)?.[1] ?? '';
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        const upgrade = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
        return Buffer.concat([Buffer.from(upgrade, 'latin1'), Buffer.from([0x83, 0x00])]);
      }),
    );
    const result = await probeOnce(wsCheck({ url: `ws://localhost:${raw.port}/ws/chat/` }), options(), [raw]);
    expect(result).toMatchObject({ outcome: 'closed', status: 101, evidence: { errorCode: 'WS_ERR_INVALID_OPCODE' } });
    expect(result.message).toMatch(
      /^the server accepted the WebSocket \(101\), then after \d+ ms sent a frame the probe cannot accept, so the probe closed the connection \(WS_ERR_INVALID_OPCODE: Invalid WebSocket frame: invalid opcode 3\); check: a proxy or server/,
    );
  });
});

describe('HTTP: bodies read as a browser reads them', () => {
  it.each(['gzip', 'deflate', 'deflate-raw', 'br'] as const)('decodes a %s body before the assertions', async (compress) => {
    const b = await backend({ state: { compress } });
    const result = await probeOnce(httpCheck(b.url, { assert: { json: 'array', fields: ['0.id'], bodyContains: '"status":"paid"' } }), options(), [
      b,
    ]);
    expect(result).toMatchObject({ outcome: 'ok', status: 200 });
    expect(b.requests.at(-1)?.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(result.evidence?.headers?.['content-encoding']).toBe(compress === 'deflate-raw' ? 'deflate' : compress);
    expect(result.evidence?.bodyExcerpt).toContain('"sku":"TEA-200"');
  });

  it('decodes the body of an unexpected status too, so DRF causes still read', async () => {
    const b = await backend({ state: { compress: 'gzip', tokenAuth: false } });
    const result = await probeOnce(httpCheck(b.url), options(), [b]);
    expect(result).toMatchObject({ outcome: 'forbidden', status: 403, cause: 'credentials_not_recognized' });
  });

  it('reports assertion with a clear message for a corrupt gzip body', async () => {
    const b = await backend({ state: { rawBody: { contentEncoding: 'gzip', bytes: Buffer.from('these bytes are not gzip') } } });
    const result = await probeOnce(httpCheck(b.url, { assert: { bodyContains: 'paid' } }), options(), [b]);
    expect(result).toMatchObject({ outcome: 'assertion', status: 200 });
    expect(result.message).toMatch(/^HTTP 200 as expected, but the body could not be decoded \(Content-Encoding: gzip: .*incorrect header check\)/);
    expect(result.message).toContain('check: the compression the server or a proxy applies');
  });

  it('reports assertion for a truncated gzip body', async () => {
    const whole = gzipSync(Buffer.from(JSON.stringify([{ id: 1, status: 'paid' }])));
    const b = await backend({ state: { rawBody: { contentEncoding: 'gzip', bytes: whole.subarray(0, whole.length - 8) } } });
    const result = await probeOnce(httpCheck(b.url), options(), [b]);
    expect(result).toMatchObject({ outcome: 'assertion', status: 200 });
    expect(result.message).toContain('the body could not be decoded (Content-Encoding: gzip: ');
  });

  it('reports assertion for an encoding it did not ask for', async () => {
    const b = await backend({ state: { rawBody: { contentEncoding: 'zstd', bytes: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]) } } });
    const result = await probeOnce(httpCheck(b.url), options(), [b]);
    expect(result).toMatchObject({ outcome: 'assertion', status: 200 });
    expect(result.message).toContain('Content-Encoding "zstd" was not asked for (the probe accepts gzip, deflate, br)');
  });

  it('stops an endless decompression bomb at maxBodyBytes of DECODED bytes, long before the deadline', async () => {
    // 1 MiB of zeros gzips to ~1 KB; the server repeats that member forever (a valid multi-member gzip stream).
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    const sockets = new Set<Socket>();
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const pump = () => {
        while (!res.destroyed && res.write(member));
      };
      res.on('drain', pump);
      pump();
    });
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    started.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
    const result = await probeOnce(httpCheck(url, { maxBodyBytes: 100_000, timeoutMs: 10_000 }), options(), [
      { openConnections: () => sockets.size },
    ]);
    expect(result).toMatchObject({ outcome: 'assertion', status: 200 });
    // Had the probe kept reading, the endless stream would have run into the deadline (timeout).
    expect(result.message).toContain('body larger than 100000 bytes (decoded from gzip)');
    expect(Buffer.byteLength(result.evidence?.bodyExcerpt ?? '')).toBeLessThanOrEqual(2048);
  });
});

describe('messages fit the evidence', () => {
  it('words a 429 as rate limiting with Retry-After, for both kinds, without the 3xx hint', async () => {
    wss.setMode({ answer: { status: 429, headers: { 'Retry-After': '30' }, body: 'slow down' } });
    const b = await backend({ state: { status: 429, extraHeaders: { 'retry-after': '30' } } });
    const results = [await probeOnce(wsCheck(), options(), [conns(wss)]), await probeOnce(httpCheck(b.url), options(), [b])];
    for (const result of results) {
      expect(result).toMatchObject({ outcome: 'unexpected_status', status: 429 });
      expect(result.message).toMatch(
        /^HTTP 429 Too Many Requests instead of [^;]*\(.*Retry-After: 30\); check: rate limiting of the monitor's requests/,
      );
      expect(result.message).not.toMatch(/3xx|X-Forwarded-Proto|redirect/);
    }
  });

  it('words a 101 with a bad Sec-WebSocket-Accept as a server not speaking WebSocket', async () => {
    const raw = await track(
      startScriptedServer(
        () => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bogus\r\n\r\n',
      ),
    );
    const result = await probeOnce(wsCheck({ url: `ws://localhost:${raw.port}/ws/chat/` }), options(), [raw]);
    expect(result).toMatchObject({ outcome: 'unexpected_status', status: 101 });
    expect(result.message).toBe(
      'HTTP 101 but not a valid WebSocket handshake (Invalid Sec-WebSocket-Accept header); check: a proxy or server on the route that answers the upgrade ' +
        'without speaking WebSocket correctly (Upgrade, Connection and Sec-WebSocket-Accept headers)',
    );
  });

  it('words a 101 without Upgrade sensibly (not "HTTP 101 instead of 101")', async () => {
    const raw = await track(startScriptedServer(() => 'HTTP/1.1 101 Switching Protocols\r\n\r\n'));
    const result = await probeOnce(wsCheck({ url: `ws://localhost:${raw.port}/ws/chat/` }), options(), [raw]);
    expect(result).toMatchObject({ outcome: 'unexpected_status', status: 101 });
    expect(result.message).toMatch(/^HTTP 101 without "Upgrade: websocket": not a valid WebSocket handshake; check: a proxy or server on the route/);
  });

  it.each([
    ['a subprotocol is required', 'Subprotocol required: send Sec-WebSocket-Protocol: chat.v2', 'the server requires a WebSocket subprotocol', false],
    ['the body says nothing of an upgrade', 'Bad Request', 'the server rejected the handshake request', false],
    [
      'the body says the upgrade is missing',
      'Can "Upgrade" only to "WebSocket".',
      'so a proxy is not forwarding the Upgrade/Connection headers',
      true,
    ],
  ] as const)('blames Upgrade forwarding for a 400 only when the evidence says so: %s', async (_label, body, text, blamed) => {
    wss.setMode({ answer: { status: 400, headers: { 'Content-Type': 'text/plain' }, body } });
    const result = await probeOnce(wsCheck(), options(), [conns(wss)]);
    expect(result).toMatchObject({ outcome: 'unexpected_status', status: 400 });
    expect(result.message).toContain(text);
    expect(result.message.includes('Upgrade/Connection')).toBe(blamed);
  });

  it('reads a 426 with Sec-WebSocket-Version as a version mismatch, not a proxy problem', async () => {
    wss.setMode({ answer: { status: 426, headers: { 'Sec-WebSocket-Version': '8' } } });
    const result = await probeOnce(wsCheck(), options(), [conns(wss)]);
    expect(result.message).toMatch(
      /^HTTP 426 Upgrade Required instead of 101 Switching Protocols: the server does not speak the probe's WebSocket version 13 \(Sec-WebSocket-Version: 8\)/,
    );
  });

  it.each(['websocket', 'http'] as const)('words a TLS protocol-version failure on one line, without OpenSSL internals (%s)', async (kind) => {
    const old = await track(
      startTlsRecorder({ key: pki.server.key, cert: pki.server.cert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    );
    const check = kind === 'websocket' ? wsCheck({ url: `wss://localhost:${old.port}/ws/chat/` }) : httpCheck(`https://localhost:${old.port}/api/`);
    const result = await probeOnce(check, options(), [old]);
    expect(result).toMatchObject({ outcome: 'tls', evidence: { errorCode: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' } });
    expect(result.message).toBe(
      'no TLS version in common: the server accepts neither TLS 1.2 nor TLS 1.3 (ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: tlsv1 alert protocol version); ' +
        'check: enable TLS 1.2 and 1.3 on the proxy (e.g. Traefik tls.options minVersion)',
    );
    expect(result.certificate).toBeUndefined();
  });
});
