/**
 * The HTTP probe against real servers on loopback: a DRF-like replica over TLS with real
 * certificates (dev/certs.ts) and raw TCP faults. Every case checks the finding, that the probe
 * returned within its deadline plus a margin, that no socket or timer survived it, and that the
 * canary token appears nowhere in the result.
 */
import { createHook } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { challengeSchemes, probeHttp } from '../../lambda/probes/http';
import { parseCheck, type HttpCheck } from '../../contracts/config';
import type { AttemptOptions, AttemptResult } from '../../lambda/probes/confirm';
import { DRF_DEFAULT_AUTH, ORDERS_PATH, startHttpBackend, type HttpBackend, type HttpBackendOptions } from '../support/http-backend';
import { refusedPort } from '../support/fault-servers';

const CANARY = 'canary-TOKEN-7f3a9';
/** Generous: two shared cores, other test files running at the same time. */
const MARGIN_MS = 2_500;
/** Deadline for the cases that must hit it. */
const SHORT_DEADLINE_MS = 1_000;
/** Handle types that a leaked socket, connect request or DNS request shows up as. */
const LEAKABLE = new Set(['TCPSocketWrap', 'TCPConnectWrap', 'GetAddrInfoReqWrap']);

let pki: TestPki;
const started: HttpBackend[] = [];

/**
 * Timers created while a probe runs and not yet cleared or fired. Counting 'Timeout' in
 * getActiveResourcesInfo() is too noisy here (vitest's own RPC timers come and go), so each timer
 * is followed from creation to destruction.
 */
const liveTimers = new Map<number, { readonly type: string; readonly timer: { hasRef?: () => boolean; _idleTimeout?: number } }>();
let trackTimers = false;
const timerHook = createHook({
  init(asyncId, type, _triggerId, resource) {
    if (trackTimers && (type === 'Timeout' || type === 'Immediate')) liveTimers.set(asyncId, { type, timer: resource as never });
  },
  destroy(asyncId) {
    liveTimers.delete(asyncId);
  },
});

beforeAll(() => {
  pki = makeTestPki();
  timerHook.enable();
});

afterAll(() => {
  timerHook.disable();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((b) => b.close()));
});

async function backend(options: HttpBackendOptions = {}): Promise<HttpBackend> {
  const b = await startHttpBackend({ tls: pki.server, ...options });
  started.push(b);
  return b;
}

function httpCheck(url: string, extra: Record<string, unknown> = {}): HttpCheck {
  const check = parseCheck({ kind: 'http', name: 'orders', url, auth: {}, timeoutMs: 5_000, ...extra });
  if (check.kind !== 'http') throw new Error('expected an http check');
  return check;
}

function leakable(): number {
  return process.getActiveResourcesInfo().filter((r) => LEAKABLE.has(r)).length;
}

/** Wait (bounded) until every server saw its connections close and the process holds no more handles than before. */
async function expectReleased(before: number, servers: readonly HttpBackend[]): Promise<void> {
  const until = performance.now() + 3_000;
  for (;;) {
    const open = servers.reduce((n, s) => n + s.openConnections(), 0);
    const now = leakable();
    const timers = [...liveTimers.values()].map(
      ({ type, timer }) => `${type} ${timer._idleTimeout ?? ''} ms${timer.hasRef?.() === false ? ' (unref)' : ''}`,
    );
    if (open === 0 && now <= before && timers.length === 0) return;
    if (performance.now() > until) {
      expect({ openConnections: open, handles: now, timers }).toEqual({ openConnections: 0, handles: before, timers: [] });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Run one attempt with the shared checks: deadline bound, nothing left open, no token anywhere. */
async function probe(check: HttpCheck, servers: readonly HttpBackend[], options: Partial<AttemptOptions> = {}): Promise<AttemptResult> {
  const before = leakable();
  const t0 = performance.now();
  liveTimers.clear();
  trackTimers = true;
  let result: AttemptResult;
  try {
    result = await probeHttp(check, { token: CANARY, ca: pki.ca, ...options });
  } finally {
    trackTimers = false;
  }
  const elapsedMs = performance.now() - t0;
  expect(elapsedMs).toBeLessThan(check.timeoutMs + MARGIN_MS);
  expect(JSON.stringify(result)).not.toContain(CANARY);
  expect(result.timings.totalMs).toBeGreaterThan(0);
  expect(result.timings.totalMs).toBeLessThanOrEqual(elapsedMs + 1);
  expect(Number.isNaN(Date.parse(result.startedAt))).toBe(false);
  expect(result.ok).toBe(result.outcome === 'ok');
  await expectReleased(before, servers);
  return result;
}

/** A resolver that answers every name with loopback (no real DNS), recording the names asked. */
function loopbackResolver(asked: string[]): LookupFunction {
  return (hostname, options, callback) => {
    asked.push(hostname);
    if (options.all) process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }]);
    else process.nextTick(callback, null, '127.0.0.1', 4);
  };
}

describe('probeHttp: healthy endpoint', () => {
  it('reports ok for the orders list with the token in the Authorization header', async () => {
    const b = await backend({ state: { tokens: [CANARY] } });
    const result = await probe(httpCheck(b.url, { assert: { json: 'array', fields: ['0.id', '1.items'], bodyContains: 'paid' } }), [b]);
    expect(result).toMatchObject({ outcome: 'ok', ok: true, status: 200, kind: 'http', check: 'orders', url: b.url });
    expect(result.cause).toBeUndefined();
    expect(result.timings.connectMs).toBeGreaterThanOrEqual(0);
    expect(result.timings.tlsMs).toBeGreaterThanOrEqual(0);
    expect(result.timings.firstByteMs).toBeGreaterThan(0);
    expect(result.evidence?.headers).toMatchObject({ 'content-type': 'application/json', server: 'daphne' });
    expect(b.requests.at(-1)).toMatchObject({ method: 'GET', url: ORDERS_PATH });
    expect(b.requests.at(-1)?.headers.authorization).toBe(`Token ${CANARY}`);
  });

  it('resolves the host through the injected lookup and times the DNS phase', async () => {
    const b = await backend({ state: { tokens: [CANARY] } });
    const asked: string[] = [];
    const result = await probe(httpCheck(`https://localhost:${b.port}${ORDERS_PATH}`), [b], { lookup: loopbackResolver(asked) });
    expect(result.outcome).toBe('ok');
    expect(asked).toContain('localhost');
    expect(result.timings.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it('sends the token as a query parameter when auth.in is query, and shows it as ***', async () => {
    const b = await backend({ state: { authClasses: ['query'], tokens: [CANARY] } });
    const result = await probe(httpCheck(b.url, { auth: { in: 'query' } }), [b]);
    expect(result.outcome).toBe('ok');
    expect(result.url).toBe(`${b.url}?token=***`);
    const seen = new URL(b.requests.at(-1)!.url, b.origin);
    expect(seen.searchParams.get('token')).toBe(CANARY);
    expect(b.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('sends the configured method, header name, scheme and extra headers, the token header winning a clash', async () => {
    const b = await backend({ state: { authClasses: ['jwt'], tokens: [CANARY] } });
    // Validation rejects a clash with the auth header; the probe still lets the token win (defence in depth).
    const parsed = httpCheck(b.url, { method: 'HEAD', auth: { scheme: 'Bearer', header: 'Authorization' } });
    const check: HttpCheck = { ...parsed, headers: { 'X-Probe': 'synthmon', authorization: 'Basic not-this' } };
    const result = await probe(check, [b]);
    expect(result).toMatchObject({ outcome: 'ok', status: 200 });
    const seen = b.requests.at(-1)!;
    expect(seen.method).toBe('HEAD');
    expect(seen.headers['x-probe']).toBe('synthmon');
    expect(seen.headers.authorization).toBe(`Bearer ${CANARY}`);
  });

  it('accepts a non-200 expected status', async () => {
    const b = await backend({ state: { status: 503 } });
    const result = await probe(httpCheck(b.url, { expectStatus: 503 }), [b]);
    expect(result).toMatchObject({ outcome: 'ok', status: 503 });
  });
});

describe('probeHttp: failures before a response', () => {
  it('reports refused when nothing listens on the port', async () => {
    const port = await refusedPort();
    const result = await probe(httpCheck(`https://127.0.0.1:${port}${ORDERS_PATH}`), []);
    expect(result).toMatchObject({ outcome: 'refused', ok: false, evidence: { errorCode: 'ECONNREFUSED' } });
    expect(result.status).toBeUndefined();
    expect(result.message).toMatch(/^connection refused \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); check: the proxy \(Traefik\)/);
  });

  it('reports refused when the backend stops listening', async () => {
    const b = await backend({ state: { tokens: [CANARY] } });
    await b.pause();
    const result = await probe(httpCheck(b.url), [b]);
    expect(result.outcome).toBe('refused');
  });

  it('reports dns when the injected resolver answers ENOTFOUND', async () => {
    const asked: string[] = [];
    const notFound: LookupFunction = (hostname, _options, callback) => {
      asked.push(hostname);
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname });
      process.nextTick(callback, err, '', 0);
    };
    const result = await probe(httpCheck(`https://orders.synthmon.invalid${ORDERS_PATH}`), [], { lookup: notFound });
    expect(result).toMatchObject({ outcome: 'dns', evidence: { errorCode: 'ENOTFOUND' } });
    expect(asked).toEqual(['orders.synthmon.invalid']);
    expect(result.message).toContain('DNS record');
  });

  it('reports timeout naming the DNS lookup when the resolver never answers (bounded)', async () => {
    const hung: LookupFunction = () => undefined;
    const result = await probe(httpCheck(`https://hangs.synthmon.invalid${ORDERS_PATH}`, { timeoutMs: SHORT_DEADLINE_MS }), [], { lookup: hung });
    expect(result).toMatchObject({ outcome: 'timeout', evidence: { errorCode: 'SYNTHMON_DEADLINE' } });
    expect(result.message).toContain(`DNS lookup timed out after ${SHORT_DEADLINE_MS} ms`);
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(SHORT_DEADLINE_MS - 50);
  });

  it('reports timeout naming the response headers when a plain-HTTP listener accepts TCP and never answers (bounded)', async () => {
    const b = await backend({ tls: undefined, state: { fault: 'silent' } });
    expect(b.url.startsWith('http://')).toBe(true);
    const result = await probe(httpCheck(b.url, { timeoutMs: SHORT_DEADLINE_MS }), [b]);
    expect(result.outcome).toBe('timeout');
    expect(result.message).toContain(`response headers timed out after ${SHORT_DEADLINE_MS} ms`);
    expect(result.timings.connectMs).toBeGreaterThanOrEqual(0);
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(SHORT_DEADLINE_MS - 50);
  });

  it('reports timeout naming the TLS handshake when the TLS handshake never completes (bounded)', async () => {
    const b = await backend({ state: { fault: 'silent' } });
    const result = await probe(httpCheck(b.url, { timeoutMs: SHORT_DEADLINE_MS }), [b]);
    expect(result.outcome).toBe('timeout');
    expect(result.message).toContain(`TLS handshake timed out after ${SHORT_DEADLINE_MS} ms`);
    expect(result.timings.tlsMs).toBeUndefined();
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(SHORT_DEADLINE_MS - 50);
  });

  it.each([
    ['expired', 'CERT_HAS_EXPIRED'],
    ['wrongHost', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['untrusted', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ] as const)('reports tls for a %s certificate (%s)', async (which, code) => {
    const b = await backend({ tls: pki[which] });
    const result = await probe(httpCheck(b.url), [b]);
    expect(result).toMatchObject({ outcome: 'tls', evidence: { errorCode: code } });
    expect(result.message).toContain('certificate');
    expect(b.requests).toHaveLength(0);
  });

  it("reports tls when no ca is given and Node's default store does not know the issuer", async () => {
    const b = await backend({ state: { tokens: [CANARY] } });
    const result = await probe(httpCheck(b.url), [b], { ca: undefined });
    expect(result.outcome).toBe('tls');
  });

  it('trusts a CA given through NODE_EXTRA_CA_CERTS when no ca is passed', async () => {
    const b = await backend({ state: { tokens: [CANARY] } });
    const before = leakable();
    const dir = mkdtempSync(join(tmpdir(), 'synthmon-ca-'));
    try {
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, pki.ca);
      // NODE_EXTRA_CA_CERTS is read once at process start, so the probe runs in a fresh Node.
      const script = join(dir, 'probe.mts');
      const root = resolve(import.meta.dirname, '../..');
      writeFileSync(
        script,
        `import { probeHttp } from ${JSON.stringify(join(root, 'lambda/probes/http.ts'))};\n` +
          `import { parseCheck } from ${JSON.stringify(join(root, 'contracts/config/index.ts'))};\n` +
          `const check = parseCheck(JSON.parse(process.env.PROBE_CHECK));\n` +
          `process.stdout.write(JSON.stringify(await probeHttp(check, { token: process.env.PROBE_TOKEN })));\n`,
      );
      const stdout = await new Promise<string>((done, fail) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', script],
          {
            cwd: root,
            timeout: 45_000,
            env: {
              ...process.env,
              NODE_EXTRA_CA_CERTS: caFile,
              PROBE_TOKEN: CANARY,
              PROBE_CHECK: JSON.stringify({ kind: 'http', name: 'orders', url: b.url, auth: {} }),
            },
          },
          (err, out, errOut) => (err ? fail(new Error(`${err.message}\n${errOut}`)) : done(out)),
        );
      });
      expect(stdout).not.toContain(CANARY);
      expect(JSON.parse(stdout)).toMatchObject({ outcome: 'ok', status: 200 });
      expect(b.requests.at(-1)?.headers.authorization).toBe(`Token ${CANARY}`);
      await expectReleased(before, [b]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports reset when the connection is reset after the request, before any response', async () => {
    const b = await backend({ state: { fault: 'reset' } });
    const result = await probe(httpCheck(b.url), [b]);
    expect(result).toMatchObject({ outcome: 'reset', evidence: { errorCode: 'ECONNRESET' } });
    expect(b.requests).toHaveLength(1);
  });
});

describe('probeHttp: configuration the client refuses', () => {
  it('reports error, not an endpoint finding, when a configured header value is invalid', async () => {
    const b = await backend({ state: { tokens: [CANARY] } });
    // Validation rejects this value first; a check that bypassed it still gets `error`, not an endpoint finding.
    const result = await probe({ ...httpCheck(b.url), headers: { 'X-Bad': 'a\r\nInjected: 1' } }, [b]);
    expect(result).toMatchObject({ outcome: 'error', evidence: { errorCode: 'UND_ERR_INVALID_ARG' } });
    expect(b.requests).toHaveLength(0);
  });
});

describe('probeHttp: DRF authentication and permission answers', () => {
  it('reports unauthorized with cause token_rejected for 401 WWW-Authenticate: Token and "Invalid token."', async () => {
    const b = await backend({ state: { tokenAuth: true, tokens: ['some-other-token'] } });
    const result = await probe(httpCheck(b.url), [b]);
    expect(result).toMatchObject({ outcome: 'unauthorized', status: 401, cause: 'token_rejected' });
    expect(result.evidence?.headers?.['www-authenticate']).toBe('Token');
    expect(result.evidence?.bodyExcerpt).toContain('Invalid token.');
    expect(result.message).toContain('update the secret');
  });

  it.each([
    ['Bearer (simplejwt first)', ['jwt', 'session'], 'Bearer realm="api"'],
    ['Basic realm (BasicAuthentication first)', ['basic', 'session'], 'Basic realm="api"'],
  ] as const)('reports unauthorized with cause scheme_not_accepted when the challenge names only %s', async (_label, authClasses, challenge) => {
    const b = await backend({ state: { authClasses, tokens: [CANARY] } });
    const result = await probe(httpCheck(b.url), [b]);
    expect(result).toMatchObject({ outcome: 'unauthorized', status: 401, cause: 'scheme_not_accepted' });
    expect(result.evidence?.headers?.['www-authenticate']).toBe(challenge);
    expect(result.message).toContain('Token vs Bearer');
  });

  it('reports forbidden with cause credentials_not_recognized when DRF answers 403 "Authentication credentials were not provided." to a sent token', async () => {
    const b = await backend({ state: { tokenAuth: false, tokens: [CANARY] } });
    const result = await probe(httpCheck(b.url), [b]);
    expect(result).toMatchObject({ outcome: 'forbidden', status: 403, cause: 'credentials_not_recognized' });
    expect(result.message).toContain('TokenAuthentication');
    expect(result.message).toContain('DEFAULT_AUTHENTICATION_CLASSES');
  });

  it('reports forbidden without a cause when that 403 comes although no token was sent', async () => {
    const b = await backend({ state: { authClasses: DRF_DEFAULT_AUTH } });
    const result = await probe(httpCheck(b.url, { auth: undefined }), [b], { token: undefined });
    expect(result).toMatchObject({ outcome: 'forbidden', status: 403 });
    expect(result.cause).toBeUndefined();
    expect(b.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('reports forbidden with cause permission_denied for "You do not have permission to perform this action."', async () => {
    const b = await backend({ state: { tokens: [CANARY], permitted: false } });
    const result = await probe(httpCheck(b.url), [b]);
    expect(result).toMatchObject({ outcome: 'forbidden', status: 403, cause: 'permission_denied' });
    expect(result.message).toContain('permission_classes');
  });
});

describe('probeHttp: other statuses', () => {
  it('reports not_found for a missing route', async () => {
    const b = await backend({ state: { tokens: [CANARY] } });
    const result = await probe(httpCheck(`${b.origin}/api/auth/buyer/order/`), [b]);
    expect(result).toMatchObject({ outcome: 'not_found', status: 404 });
    expect(result.cause).toBeUndefined();
    expect(result.evidence?.bodyExcerpt).toContain('Not Found');
  });

  it('reports server_error for a 502 from the proxy and points at the backend behind it', async () => {
    const b = await backend({ state: { status: 502 } });
    const result = await probe(httpCheck(b.url), [b]);
    expect(result).toMatchObject({ outcome: 'server_error', status: 502 });
    expect(result.message).toContain('check: the backend behind the proxy');
  });

  it('reports unexpected_status for a 301 with its Location and the X-Forwarded-Proto hint', async () => {
    const b = await backend({ state: { status: 301 } });
    const result = await probe(httpCheck(b.url), [b]);
    expect(result).toMatchObject({ outcome: 'unexpected_status', status: 301 });
    expect(result.evidence?.headers?.location).toBe(b.url);
    expect(result.message).toContain(`(Location: ${b.url})`);
    expect(result.message).toContain('redirect loop');
    expect(result.message).toContain('X-Forwarded-Proto');
  });
});

describe('probeHttp: slow and oversized answers', () => {
  it('reports timeout naming the response headers when they come after the deadline (bounded)', async () => {
    const b = await backend({ state: { tokens: [CANARY], headersDelayMs: 30_000 } });
    const result = await probe(httpCheck(b.url, { timeoutMs: SHORT_DEADLINE_MS }), [b]);
    expect(result.outcome).toBe('timeout');
    expect(result.message).toContain(`response headers timed out after ${SHORT_DEADLINE_MS} ms`);
    expect(result.timings.tlsMs).toBeGreaterThanOrEqual(0);
    expect(result.timings.firstByteMs).toBeUndefined();
  });

  it('reports timeout naming the response body when the body stalls past the deadline (bounded)', async () => {
    const b = await backend({ state: { tokens: [CANARY], bodyDelayMs: 30_000 } });
    const result = await probe(httpCheck(b.url, { timeoutMs: SHORT_DEADLINE_MS }), [b]);
    expect(result.outcome).toBe('timeout');
    expect(result.message).toContain(`response body timed out after ${SHORT_DEADLINE_MS} ms`);
    expect(result.timings.firstByteMs).toBeGreaterThan(0);
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(SHORT_DEADLINE_MS - 50);
  });

  it('reports assertion when a streamed body grows past maxBodyBytes, without reading the rest', async () => {
    const b = await backend({ state: { tokens: [CANARY], padBytes: 2_000_000, chunked: true } });
    const result = await probe(httpCheck(b.url, { maxBodyBytes: 10_000 }), [b]);
    expect(result).toMatchObject({ outcome: 'assertion', status: 200 });
    expect(result.message).toContain('body larger than 10000 bytes');
    expect(Buffer.byteLength(result.evidence?.bodyExcerpt ?? '')).toBeLessThanOrEqual(2048);
  });

  it('reports assertion from Content-Length alone when the declared body exceeds maxBodyBytes', async () => {
    const b = await backend({ state: { tokens: [CANARY], padBytes: 50_000 } });
    const result = await probe(httpCheck(b.url, { maxBodyBytes: 1_000 }), [b]);
    expect(result).toMatchObject({ outcome: 'assertion', status: 200 });
    expect(result.message).toMatch(/body larger than 1000 bytes \(Content-Length: \d+\)/);
  });

  it('reports assertion when the JSON shape differs from the assertion', async () => {
    const b = await backend({ state: { tokens: [CANARY] } });
    const result = await probe(httpCheck(b.url, { assert: { json: 'object', fields: ['results', 'count'] } }), [b]);
    expect(result).toMatchObject({ outcome: 'assertion', status: 200 });
    expect(result.message).toContain('body is a JSON array, expected an object');
    expect(result.message).toContain('missing fields "results", "count"');
  });

  it('reports ok when the paginated shape has the asserted fields', async () => {
    const b = await backend({ state: { tokens: [CANARY], paginated: true } });
    const result = await probe(httpCheck(b.url, { assert: { json: 'object', fields: ['results.0.id', 'count'] } }), [b]);
    expect(result.outcome).toBe('ok');
  });

  it('reports assertion when the answer is slower than maxLatencyMs', async () => {
    const b = await backend({ state: { tokens: [CANARY], headersDelayMs: 400 } });
    const result = await probe(httpCheck(b.url, { assert: { maxLatencyMs: 100 } }), [b]);
    expect(result).toMatchObject({ outcome: 'assertion', status: 200 });
    expect(result.message).toMatch(/took \d+ ms, over the 100 ms budget/);
  });
});

describe('probeHttp: token hygiene', () => {
  it('keeps the token out of the result when the server echoes the Authorization header into a 403 body', async () => {
    const b = await backend({ state: { tokenAuth: false, echo: true } });
    const result = await probe(httpCheck(b.url), [b]);
    expect(result).toMatchObject({ outcome: 'forbidden', cause: 'credentials_not_recognized' });
    expect(result.evidence?.bodyExcerpt).toContain('Token ***');
  });

  it('keeps the token out of the result when a redirect echoes the query token in Location', async () => {
    const b = await backend({ state: { status: 301, echo: true } });
    const result = await probe(httpCheck(b.url, { auth: { in: 'query' } }), [b]);
    expect(result).toMatchObject({ outcome: 'unexpected_status', status: 301 });
    expect(result.evidence?.headers?.location).toBe(`${b.url}?token=***`);
    expect(result.message).toContain('token=***');
  });

  it('keeps the token out of a 401 body that echoes the query URL', async () => {
    const b = await backend({ state: { tokenAuth: true, echo: true } });
    const result = await probe(httpCheck(b.url, { auth: { in: 'query' } }), [b]);
    expect(result).toMatchObject({ outcome: 'unauthorized', cause: 'scheme_not_accepted' });
    expect(result.evidence?.bodyExcerpt).toContain('token=***');
  });
});

describe('challengeSchemes', () => {
  it.each([
    ['Token', ['Token']],
    ['Bearer realm="api", error="invalid_token"', ['Bearer']],
    ['Basic realm="a, b", Token', ['Basic', 'Token']],
    ['Negotiate abc==', ['Negotiate']],
  ])('reads the schemes of %j', (header, schemes) => {
    expect(challengeSchemes(header)).toEqual(schemes);
  });

  it('reads every header line', () => {
    expect(challengeSchemes(['Token', 'Basic realm="api"'])).toEqual(['Token', 'Basic']);
    expect(challengeSchemes(undefined)).toEqual([]);
  });
});
