import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { probeWebSocket } from '../../lambda/probes/websocket';
import { parseCheck, type WebSocketCheck } from '../../contracts/config';
import type { AttemptOptions, AttemptResult } from '../../lambda/probes/confirm';
import { runCheck } from '../../lambda/probes/confirm';
import { lookupFails, lookupHangs, lookupTo, refusedPort, startResetServer, startSilentServer } from '../support/fault-servers';
import { startWsBackend, type WsBackend } from '../support/ws-backend';

/** Distinctive, so any leak into a result is found by a plain substring search. */
const TOKEN = 'canary-TOKEN-7f3a9';
/** Deadlines are asserted, not speed: the 2-core machine is shared with other test runs. */
const MARGIN_MS = 1500;
const FRONTEND = 'https://indexo.ir';

let pki: TestPki;
/** wss:// replica; token auth on; ALLOWED_HOSTS = loopback names only (the seed's regression). */
let tlsBackend: WsBackend;
/** ws:// replica with the same stack. */
let plainBackend: WsBackend;
const extraServers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  pki = makeTestPki();
  tlsBackend = await startWsBackend({ tls: pki.server, token: TOKEN });
  plainBackend = await startWsBackend({ token: TOKEN });
});

afterAll(async () => {
  await Promise.all([tlsBackend?.close(), plainBackend?.close(), ...extraServers.map((s) => s.close())]);
});

beforeEach(() => {
  tlsBackend.setMode({});
  plainBackend.setMode({});
});

function wsCheck(overrides: Record<string, unknown> = {}): WebSocketCheck {
  return parseCheck({
    kind: 'websocket',
    name: 'chat',
    url: tlsBackend.url,
    timeoutMs: 2000,
    settleMs: 300,
    retryDelayMs: 0,
    auth: { in: 'query' },
    ...overrides,
  }) as WebSocketCheck;
}

/** Socket and timer handles of this process (server ends included). */
function handleCount(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap' || r === 'Timeout').length;
}

/**
 * Run one attempt and check the invariants every case shares: bounded by timeoutMs + settleMs,
 * the canary token nowhere in the result, and no socket or timer left behind on either end.
 */
async function probe(
  check: WebSocketCheck,
  server: { idle(ms?: number): Promise<boolean> } | undefined,
  options: Partial<AttemptOptions> = {},
): Promise<AttemptResult> {
  const before = handleCount();
  const t0 = performance.now();
  const result = await probeWebSocket(check, { token: TOKEN, ca: pki.ca, lookup: lookupTo('127.0.0.1'), ...options });
  const elapsed = performance.now() - t0;
  expect(elapsed).toBeLessThan(check.timeoutMs + check.settleMs + MARGIN_MS);
  expect(JSON.stringify(result)).not.toContain(TOKEN);
  expect(result.timings.totalMs).toBeGreaterThan(0);
  expect(result.timings.totalMs).toBeLessThanOrEqual(elapsed + 1);
  expect(Date.parse(result.startedAt)).not.toBeNaN();
  if (server) expect(await server.idle(3000)).toBe(true);
  expect(handleCount()).toBeLessThanOrEqual(before);
  return result;
}

async function track<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const s = await server;
  extraServers.push(s);
  return s;
}

describe('probeWebSocket: healthy endpoint', () => {
  it('reports ok with status 101 when the socket stays open through the settle window', async () => {
    tlsBackend.setMode({ allowedHosts: ['localhost', 'indexo.ir'] });
    const result = await probe(wsCheck({ origin: FRONTEND }), tlsBackend);
    expect(result).toMatchObject({ ok: true, outcome: 'ok', status: 101, kind: 'websocket', url: `${tlsBackend.url}?token=***` });
    expect(result.message).toContain('stayed open for 300 ms');
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(300);
    for (const phase of ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs'] as const) expect(result.timings[phase]).toBeTypeOf('number');
    expect(tlsBackend.handshakes.at(-1)).toMatchObject({ origin: FRONTEND, tokenIn: 'query', result: 'accepted' });
  });

  it("sends the target's own origin (https://host:port) when none is configured", async () => {
    const result = await probe(wsCheck(), tlsBackend);
    expect(result.outcome).toBe('ok');
    expect(tlsBackend.handshakes.at(-1)?.origin).toBe(`https://localhost:${tlsBackend.port}`);
  });

  it('sends http://host:port as the own origin for a ws:// URL', async () => {
    const result = await probe(wsCheck({ url: plainBackend.url }), plainBackend);
    expect(result.outcome).toBe('ok');
    expect(plainBackend.handshakes.at(-1)?.origin).toBe(`http://localhost:${plainBackend.port}`);
    expect(result.timings.tlsMs).toBeUndefined();
  });

  it("connects to an IP literal with Node's own resolver and the settle window disabled", async () => {
    const url = `wss://127.0.0.1:${tlsBackend.port}/ws/chat/`;
    const result = await probe(wsCheck({ url, settleMs: 0 }), tlsBackend, { lookup: undefined });
    expect(result).toMatchObject({ outcome: 'ok', status: 101 });
    expect(result.message).toContain('settle window disabled');
    expect(result.timings.dnsMs).toBeUndefined();
    expect(tlsBackend.handshakes.at(-1)?.origin).toBe(`https://127.0.0.1:${tlsBackend.port}`);
  });

  it('puts the token in a header (Authorization: Token …) when configured', async () => {
    const result = await probe(wsCheck({ auth: { in: 'header', scheme: 'Token' } }), tlsBackend);
    expect(result.outcome).toBe('ok');
    expect(tlsBackend.handshakes.at(-1)).toMatchObject({ tokenIn: 'header', result: 'accepted' });
  });

  it('reports ok when the server accepts and then stays silent', async () => {
    tlsBackend.setMode({ reply: 'silent' });
    const result = await probe(wsCheck({ settleMs: 500 }), tlsBackend);
    expect(result).toMatchObject({ outcome: 'ok', status: 101 });
  });

  it('reports ok when the server closes only after the settle window', async () => {
    tlsBackend.setMode({ closeAfterAccept: { code: 4003, afterMs: 1500 } });
    const result = await probe(wsCheck({ settleMs: 200 }), tlsBackend);
    expect(result.outcome).toBe('ok');
    expect(result.closeCode).toBeUndefined();
  });
});

describe('probeWebSocket: failures before any response', () => {
  it('reports refused when nothing listens on the port', async () => {
    const port = await refusedPort();
    const result = await probe(wsCheck({ url: `wss://localhost:${port}/ws/chat/` }), undefined);
    expect(result).toMatchObject({ ok: false, outcome: 'refused', evidence: { errorCode: 'ECONNREFUSED' } });
    expect(result.message).toContain('proxy');
  });

  it('reports dns when the name does not resolve', async () => {
    const result = await probe(wsCheck({ url: 'wss://multivendor-backend.invalid/ws/chat/' }), undefined, { lookup: lookupFails('ENOTFOUND') });
    expect(result).toMatchObject({ outcome: 'dns', evidence: { errorCode: 'ENOTFOUND' } });
    expect(result.message).toContain('DNS record');
  });

  it('reports timeout naming the DNS lookup when the resolver never answers', async () => {
    const result = await probe(wsCheck({ url: 'wss://multivendor-backend.invalid/ws/chat/', timeoutMs: 400 }), undefined, { lookup: lookupHangs() });
    expect(result.outcome).toBe('timeout');
    expect(result.message).toContain('DNS lookup timed out after 400 ms');
  });

  it('reports timeout naming the upgrade when TCP is accepted and nothing ever answers', async () => {
    const silent = await track(startSilentServer());
    const result = await probe(wsCheck({ url: `ws://localhost:${silent.port}/ws/chat/`, timeoutMs: 500 }), silent);
    expect(result).toMatchObject({ outcome: 'timeout', evidence: { errorCode: 'SYNTHMON_DEADLINE' } });
    expect(result.message).toContain('WebSocket upgrade response timed out after 500 ms');
    expect(result.timings.connectMs).toBeTypeOf('number');
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(490);
  });

  it('reports timeout naming the TLS handshake when no ServerHello ever comes', async () => {
    const silent = await track(startSilentServer());
    const result = await probe(wsCheck({ url: `wss://localhost:${silent.port}/ws/chat/`, timeoutMs: 500 }), silent);
    expect(result.outcome).toBe('timeout');
    expect(result.message).toContain('TLS handshake timed out after 500 ms');
    expect(result.timings.tlsMs).toBeUndefined();
  });

  it('reports timeout when the upgrade response comes later than the deadline', async () => {
    tlsBackend.setMode({ delayMs: 1500 });
    const result = await probe(wsCheck({ timeoutMs: 500 }), tlsBackend);
    expect(result.outcome).toBe('timeout');
    expect(result.message).toContain('WebSocket upgrade response timed out after 500 ms');
    expect(result.timings.tlsMs).toBeTypeOf('number');
  });

  it('reports reset when the server resets the connection before responding', async () => {
    const reset = await track(startResetServer());
    const result = await probe(wsCheck({ url: `ws://localhost:${reset.port}/ws/chat/` }), reset);
    expect(result).toMatchObject({ outcome: 'reset', evidence: { errorCode: 'ECONNRESET' } });
  });

  it('reports reset when the backend drops the upgrade request without an answer', async () => {
    tlsBackend.setMode({ answer: 'reset' });
    const result = await probe(wsCheck(), tlsBackend);
    expect(result.outcome).toBe('reset');
  });

  describe.each([
    ['an expired certificate', 'expired', 'CERT_HAS_EXPIRED'],
    ['a certificate for another host', 'wrongHost', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['a certificate from an untrusted CA', 'untrusted', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ] as const)('with %s', (_label, leaf, code) => {
    it(`reports tls with ${code}`, async () => {
      const bad = await track(startWsBackend({ tls: pki[leaf], token: TOKEN }));
      const result = await probe(wsCheck({ url: bad.url }), bad);
      expect(result).toMatchObject({ outcome: 'tls', evidence: { errorCode: code } });
      expect(result.message).toContain('certificate');
      expect(bad.handshakes).toHaveLength(0);
    });
  });

  it("reports tls for the test CA when only Node's default store is trusted", async () => {
    const result = await probe(wsCheck(), tlsBackend, { ca: undefined });
    expect(result.outcome).toBe('tls');
  });
});

describe('probeWebSocket: 403 on the upgrade', () => {
  it("reports forbidden with cause origin_rejected when only the target's own origin is allowed", async () => {
    tlsBackend.setMode({ echoRequestOn403: true });
    const result = await probe(wsCheck({ origin: FRONTEND }), tlsBackend);
    expect(result).toMatchObject({ ok: false, outcome: 'forbidden', status: 403, cause: 'origin_rejected' });
    expect(result.message).toContain('ALLOWED_HOSTS');
    const [first, second] = tlsBackend.handshakes.slice(-2);
    expect(first).toMatchObject({ origin: FRONTEND, tokenIn: 'query', result: 'origin_rejected' });
    // The follow-up differs only in the Origin.
    expect(second).toMatchObject({ origin: `https://localhost:${tlsBackend.port}`, tokenIn: 'query', path: first!.path, result: 'accepted' });
    // The echoed request line carried the token; the evidence keeps the line with the token masked.
    expect(result.evidence?.bodyExcerpt).toContain('GET /ws/chat/?token=***');
    expect(result.evidence?.headers).toMatchObject({ server: 'daphne' });
  });

  it('reports forbidden without a cause when the token is rejected whatever the origin', async () => {
    tlsBackend.setMode({ token: 'another-token', echoRequestOn403: true, allowedHosts: ['localhost', 'indexo.ir'] });
    const result = await probe(wsCheck({ origin: FRONTEND, auth: { in: 'header' } }), tlsBackend);
    expect(result).toMatchObject({ outcome: 'forbidden', status: 403 });
    expect(result.cause).toBeUndefined();
    expect(result.message).toContain('not the origin check');
    expect(tlsBackend.handshakes.slice(-2).map((h) => h.result)).toEqual(['token_rejected', 'token_rejected']);
    expect(result.evidence?.bodyExcerpt).toContain('Authorization: Token ***');
  });

  it("skips the follow-up when the configured origin is the target's own", async () => {
    tlsBackend.setMode({ token: 'another-token' });
    const count = tlsBackend.handshakes.length;
    const result = await probe(wsCheck({ origin: `https://localhost:${tlsBackend.port}` }), tlsBackend);
    expect(result).toMatchObject({ outcome: 'forbidden', status: 403 });
    expect(result.cause).toBeUndefined();
    expect(tlsBackend.handshakes.length - count).toBe(1);
  });
});

describe('probeWebSocket: other answers instead of 101', () => {
  it.each([
    [404, 'not_found', 'Upgrade/Connection'],
    [400, 'unexpected_status', 'the server rejected the handshake request'],
    [426, 'unexpected_status', 'not forwarding the Upgrade/Connection'],
    [502, 'server_error', 'backend'],
    [503, 'server_error', 'backend'],
    [200, 'unexpected_status', 'instead of 101'],
    [401, 'unauthorized', 'WWW-Authenticate: Token'],
  ] as const)('maps HTTP %i to %s', async (status, outcome, text) => {
    tlsBackend.setMode({
      answer: {
        status,
        headers: { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Token', 'Set-Cookie': 'sessionid=secret' },
        body: `status ${status}`,
      },
    });
    const result = await probe(wsCheck(), tlsBackend);
    expect(result).toMatchObject({ outcome, status });
    expect(result.message).toContain(text);
    expect(result.evidence?.bodyExcerpt).toBe(`status ${status}`);
    expect(result.evidence?.headers?.['content-type']).toBe('text/plain');
    expect(result.evidence?.headers).not.toHaveProperty('set-cookie');
  });

  it('reports unexpected_status with the Location of a 301, token masked', async () => {
    tlsBackend.setMode({ answer: { status: 301, headers: { Location: 'https://localhost/ws/chat/?token={token}' } } });
    const result = await probe(wsCheck(), tlsBackend);
    expect(result).toMatchObject({ outcome: 'unexpected_status', status: 301 });
    expect(result.message).toContain('Location: https://localhost/ws/chat/?token=***');
    expect(result.evidence?.headers?.location).toBe('https://localhost/ws/chat/?token=***');
  });

  it('keeps at most 2 KB of a large body and closes the connection without reading the rest', async () => {
    const body = `${'x'.repeat(1000)}${TOKEN}${'y'.repeat(1_000_000)}`;
    tlsBackend.setMode({ answer: { status: 502, body } });
    const result = await probe(wsCheck(), tlsBackend);
    expect(result.outcome).toBe('server_error');
    expect(result.evidence?.bodyExcerpt).toHaveLength(2048);
    expect(result.evidence?.bodyExcerpt).toContain('x***y');
  });

  it('cuts a multi-byte body at 2 KB on a character boundary', async () => {
    // '€' is 3 bytes in UTF-8: 682 of them fit in 2048 bytes, the 683rd would be cut in half.
    tlsBackend.setMode({ answer: { status: 502, body: '€'.repeat(5000) } });
    const result = await probe(wsCheck(), tlsBackend);
    expect(result.evidence?.bodyExcerpt).toBe('€'.repeat(682));
  });

  it('stops reading a stalled body after a grace period and still reports the status', async () => {
    tlsBackend.setMode({ answer: { status: 503, body: 'upstream connect error', stallBody: true } });
    const result = await probe(wsCheck({ timeoutMs: 5000 }), tlsBackend);
    expect(result).toMatchObject({ outcome: 'server_error', status: 503, evidence: { bodyExcerpt: 'upstream connect error' } });
    expect(result.timings.totalMs).toBeLessThan(5000);
  });
});

describe('probeWebSocket: after 101', () => {
  it('reports closed with code 4003 when the consumer closes right after accept()', async () => {
    tlsBackend.setMode({ closeAfterAccept: { code: 4003, reason: 'unauthenticated' } });
    const result = await probe(wsCheck(), tlsBackend);
    expect(result).toMatchObject({ ok: false, outcome: 'closed', status: 101, closeCode: 4003 });
    expect(result.message).toContain('"unauthenticated"');
    expect(result.message).toContain('authentication');
  });

  it('reports closed with code 4001 when the consumer accepts a bad token and then closes', async () => {
    tlsBackend.setMode({ token: 'another-token', authFailure: { closeCode: 4001 } });
    const result = await probe(wsCheck(), tlsBackend);
    expect(result).toMatchObject({ outcome: 'closed', closeCode: 4001 });
  });

  it('reports closed with 1006 when the server drops the connection without a close frame', async () => {
    tlsBackend.setMode({ dropAfterAccept: { how: 'fin', afterMs: 50 } });
    const result = await probe(wsCheck(), tlsBackend);
    expect(result).toMatchObject({ outcome: 'closed', closeCode: 1006 });
    expect(result.message).toContain('without a close frame');
  });

  it('reports closed with 1006, like a FIN, when the connection is reset (RST) inside the settle window', async () => {
    plainBackend.setMode({ dropAfterAccept: { how: 'rst', afterMs: 50 } });
    const result = await probe(wsCheck({ url: plainBackend.url }), plainBackend);
    expect(result).toMatchObject({ outcome: 'closed', status: 101, closeCode: 1006, evidence: { errorCode: 'ECONNRESET' } });
    expect(result.message).toContain('without a close frame (1006) (connection reset: ECONNRESET)');
  });

  it('reports ok when the round-trip reply matches', async () => {
    const result = await probe(wsCheck({ roundTrip: { send: '{"message":"ping"}', expect: '{"message":"ping"}', match: 'equals' } }), tlsBackend);
    expect(result).toMatchObject({ outcome: 'ok', status: 101 });
    expect(result.message).toContain('round-trip reply matched');
  });

  it('reports assertion when the round-trip reply is wrong', async () => {
    tlsBackend.setMode({ reply: { fixed: '{"error":"unknown type"}' } });
    const result = await probe(wsCheck({ roundTrip: { send: '{"message":"ping"}', expect: 'ping' } }), tlsBackend);
    expect(result).toMatchObject({ outcome: 'assertion', status: 101 });
    expect(result.message).toContain('unknown type');
  });

  it('reports timeout when no round-trip reply comes within the remaining deadline', async () => {
    tlsBackend.setMode({ reply: 'silent' });
    const result = await probe(wsCheck({ timeoutMs: 600, settleMs: 200, roundTrip: { send: 'ping', expect: 'pong' } }), tlsBackend);
    expect(result).toMatchObject({ outcome: 'timeout', status: 101 });
    expect(result.message).toMatch(/round-trip reply timed out after \d+ ms/);
  });
});

describe("probeWebSocket: trust from Node's default store", () => {
  it('trusts a CA given in NODE_EXTRA_CA_CERTS when no ca option is passed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synthmon-ws-'));
    try {
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, pki.ca);
      const script = join(dir, 'probe.mts');
      writeFileSync(
        script,
        `import { probeWebSocket } from ${JSON.stringify(join(process.cwd(), 'lambda/probes/websocket.ts'))};\n` +
          `const check = ${JSON.stringify(wsCheck({ url: `wss://127.0.0.1:${tlsBackend.port}/ws/chat/`, settleMs: 0 }))};\n` +
          `console.log(JSON.stringify(await probeWebSocket(check, { token: process.env.PROBE_TOKEN })));\n`,
      );
      const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script], {
          cwd: process.cwd(),
          env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, PROBE_TOKEN: TOKEN },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('close', (code) => {
          clearTimeout(killer);
          resolve({ code, stdout, stderr });
        });
      });
      expect({ code: out.code, stderr: out.code === 0 ? '' : out.stderr }).toEqual({ code: 0, stderr: '' });
      expect(out.stdout).not.toContain(TOKEN);
      expect(JSON.parse(out.stdout)).toMatchObject({ outcome: 'ok', status: 101 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runCheck with a WebSocket check', () => {
  it('confirms a failing outcome with a second attempt', async () => {
    tlsBackend.setMode({ token: 'another-token' });
    const count = tlsBackend.handshakes.length;
    const check = wsCheck({ retryDelayMs: 50, origin: `https://localhost:${tlsBackend.port}` });
    const t0 = performance.now();
    const result = await runCheck(check, { token: TOKEN, ca: pki.ca, lookup: lookupTo('127.0.0.1') });
    expect(performance.now() - t0).toBeLessThan(2 * (check.timeoutMs + check.settleMs) + 50 + MARGIN_MS);
    expect(result).toMatchObject({ outcome: 'forbidden', attempts: 2 });
    expect(tlsBackend.handshakes.length - count).toBe(2);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(await tlsBackend.idle(3000)).toBe(true);
  });

  it('runs an ok check once', async () => {
    const count = tlsBackend.handshakes.length;
    const result = await runCheck(wsCheck({ retryDelayMs: 50 }), { token: TOKEN, ca: pki.ca, lookup: lookupTo('127.0.0.1') });
    expect(result).toMatchObject({ outcome: 'ok', attempts: 1 });
    expect(tlsBackend.handshakes.length - count).toBe(1);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('does not retry with noRetry', async () => {
    const port = await refusedPort();
    const result = await runCheck(wsCheck({ retryDelayMs: 50, url: `ws://localhost:${port}/ws/chat/` }), {
      token: TOKEN,
      lookup: lookupTo('127.0.0.1'),
      noRetry: true,
    });
    expect(result).toMatchObject({ outcome: 'refused', attempts: 1 });
  });
});
