/**
 * One message builder: both kinds word the same outcome the same way, in one shape,
 * `<what> (<detail>); check: <fix>`; and the pieces it is built from (error details, redirects,
 * status classes, token masking) against their edge cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheck, type Check } from '../../contracts/config';
import { CAUSE_GUIDE, CAUSE_RUNBOOK, CAUSES } from '../../contracts/outcomes';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { describeError, oneLine, redirectTarget, statusParts, type StatusFacts } from '../../lambda/probes/messages';
import { redact } from '../../lambda/redact';
import { lookupFails, lookupHangs, lookupTo, refusedPort, startResetServer, startSilentServer, type FaultServer } from '../support/fault-servers';
import { startHttpBackend, type HttpBackend } from '../support/http-backend';
import { probeOnce } from './harness';

const TOKEN = 'messages-TOKEN-5be2a0';
let pki: TestPki;
const servers: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  pki = makeTestPki();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function checkOf(kind: 'websocket' | 'http', url: string, timeoutMs = 3000): Check {
  return parseCheck({ kind, name: kind, url, timeoutMs, retryDelayMs: 0, auth: {}, ...(kind === 'websocket' ? { settleMs: 100 } : {}) });
}

/** The same failure through both kinds; `url(scheme)` gives the target for each. */
async function bothKinds(
  url: (secure: boolean, kind: 'websocket' | 'http') => string,
  options: Record<string, unknown>,
  timeoutMs?: number,
  server?: FaultServer | HttpBackend,
) {
  const out: Record<string, string> = {};
  for (const kind of ['websocket', 'http'] as const) {
    const result = await probeOnce(
      checkOf(kind, url(true, kind), timeoutMs),
      { token: TOKEN, ca: pki.ca, lookup: lookupTo('127.0.0.1'), ...options },
      server ? [server] : [],
    );
    out[kind] = result.message;
    out[`${kind}:outcome`] = result.outcome;
  }
  // Shown with SHOW_MESSAGES=1 (a sample for reviewers); the assertions below do not depend on it.
  if (process.env.SHOW_MESSAGES) console.log(JSON.stringify(out, null, 2));
  return out;
}

const scheme = (secure: boolean, kind: 'websocket' | 'http') => (kind === 'websocket' ? (secure ? 'wss' : 'ws') : secure ? 'https' : 'http');

describe('both kinds word the same outcome the same way', () => {
  it('refused', async () => {
    const port = await refusedPort();
    const m = await bothKinds((s, k) => `${scheme(s, k)}://127.0.0.1:${port}/x/`, { lookup: undefined });
    expect(m['websocket:outcome']).toBe('refused');
    expect(m.websocket).toBe(m.http);
    expect(m.http).toBe(
      `connection refused (connect ECONNREFUSED 127.0.0.1:${port}); check: the proxy (Traefik) is down or not listening on this port, or the load balancer lost its targets`,
    );
  });

  it('dns', async () => {
    const m = await bothKinds((s, k) => `${scheme(s, k)}://backend.invalid/x/`, { lookup: lookupFails('ENOTFOUND') });
    expect(m.websocket).toBe(m.http);
    expect(m.http).toBe(
      'the host name did not resolve (getaddrinfo ENOTFOUND backend.invalid); check: the DNS record for the host (deleted, expired domain, wrong zone) and the resolver',
    );
  });

  it('timeout in the DNS lookup', async () => {
    const m = await bothKinds((s, k) => `${scheme(s, k)}://backend.invalid/x/`, { lookup: lookupHangs() }, 300);
    expect(m.websocket).toBe(m.http);
    expect(m.http).toBe('DNS lookup timed out after 300 ms; check: the resolver (reachable? answering?) and the DNS record for the host');
  });

  it('timeout in the TLS handshake', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    const m = await bothKinds((s, k) => `${scheme(s, k)}://localhost:${silent.port}/x/`, {}, 300, silent);
    expect(m.websocket).toBe(m.http);
    expect(m.http).toMatch(/^TLS handshake timed out after 300 ms; check: the proxy's TLS listener/);
  });

  it('tls: an expired certificate', async () => {
    const b = await startHttpBackend({ tls: pki.expired });
    servers.push(b);
    const m = await bothKinds((s, k) => `${scheme(s, k)}://localhost:${b.port}/x/`, {}, undefined, b);
    expect(m.websocket).toBe(m.http);
    expect(m.http).toMatch(
      /^the certificate expired 1 day ago \(CERT_HAS_EXPIRED: certificate has expired; certificate CN=localhost from CN=synthmon test CA, valid to \S+Z\); check: renew the certificate on the proxy/,
    );
  });

  it('reset before any response', async () => {
    const reset = await startResetServer();
    servers.push(reset);
    const m = await bothKinds((_s, k) => `${scheme(false, k)}://localhost:${reset.port}/x/`, {}, undefined, reset);
    expect(m['http:outcome']).toBe('reset');
    expect(m['websocket:outcome']).toBe('reset');
    // The client libraries name the same reset differently (ws: "socket hang up", undici: "other side closed").
    for (const text of [m.websocket, m.http])
      expect(text).toMatch(/^the connection was (reset|closed) before any response \(.+\); check: the proxy crashing or rejecting the connection/);
  });
});

describe('describeError', () => {
  it('keeps an OpenSSL error to its code and reason, on one line, without source paths', () => {
    const err = Object.assign(
      new Error(
        '40DD46A8FE7E0000:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:SSL alert number 70\n',
      ),
      { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', library: 'SSL routines' },
    );
    expect(describeError(err)).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: tlsv1 alert protocol version; SSL alert number 70');
    expect(describeError(Object.assign(err, { reason: 'tlsv1 alert protocol version' }))).toBe(
      'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: tlsv1 alert protocol version',
    );
  });

  it('joins the members of an AggregateError (happy eyeballs)', () => {
    const e = Object.assign(
      new AggregateError(
        [Object.assign(new Error('connect ECONNREFUSED ::1:9'), { code: 'ECONNREFUSED' }), new Error('connect ECONNREFUSED 127.0.0.1:9')],
        '',
      ),
      { code: 'ECONNREFUSED' },
    );
    expect(describeError(e)).toBe('connect ECONNREFUSED ::1:9; connect ECONNREFUSED 127.0.0.1:9');
  });

  it('masks the token before cutting, so a token at the cut leaves no part', () => {
    const token = 'tok"en/with+space s';
    const text = describeError(new Error(`${'x'.repeat(190)}${token} and more`), (t) => redact(t, token), 200);
    // Cut first, the first 10 characters of the token would have stayed.
    expect(text).toBe(`${'x'.repeat(190)}*** and mo…`);
    expect(oneLine(`${'y'.repeat(10)}\n\tz`, 5)).toBe('yyyyy…');
  });
});

describe('redirectTarget', () => {
  it.each([
    ['https://h/p/', 'https://h/p/', 'self'],
    ['https://h/p/', 'wss://h/p/', 'self'],
    ['https://h/p/', 'http://h/p/', 'https'],
    ['/p', 'https://h/p/', 'slash'],
    ['https://h/accounts/login/?next=/p/', 'https://h/p/', 'login'],
    ['https://elsewhere/p/', 'https://h/p/', 'elsewhere'],
    [undefined, 'https://h/p/', 'none'],
  ] as const)('reads Location %s for %s as %s', (location, request, target) => {
    expect(redirectTarget(location, request)).toBe(target);
  });
});

describe('statusParts: each status class has its own fix', () => {
  const facts = (status: number, extra: Partial<StatusFacts> = {}): StatusFacts => ({
    status,
    expected: 200,
    upgrade: false,
    headers: {},
    body: '',
    ...extra,
  });
  it.each([
    [facts(429, { headers: { 'retry-after': '5' } }), /^HTTP 429 Too Many Requests instead of 200 \(Retry-After: 5\); check: rate limiting/],
    [
      facts(301, { redirect: 'https', headers: { location: 'https://h/' } }),
      /a redirect to https \(Location: https:\/\/h\/\); check: the check's URL: use https:\/\//,
    ],
    [facts(302, { redirect: 'login', headers: { location: '/login/' } }), /a redirect to a login page .*check: the request was not authenticated/],
    [
      facts(405, { method: 'POST', headers: { allow: 'GET, HEAD' } }),
      /^HTTP 405 Method Not Allowed instead of 200 \(Allow: GET, HEAD\); check: the check's method \(POST\)/,
    ],
    [facts(500), /check: an exception in the application: its logs \(the traceback\)$/],
    [
      facts(500, { expected: 101, upgrade: true }),
      /check: an exception in the application: its logs \(the traceback\); on an upgrade, often no route for this path in Channels' URLRouter \(the check's URL, its trailing slash\)$/,
    ],
    [facts(504), /check: the backend behind the proxy/],
    [facts(204), /^HTTP 204 No Content instead of 200; check: the check's expected status/],
    [facts(200, { expected: 101, upgrade: true }), /the upgrade was answered as a plain HTTP request; check: the header-forwarding middleware/],
    [facts(404, { expected: 101, upgrade: true }), /check: the path exists on the WebSocket router, and the proxy forwards Upgrade\/Connection/],
  ] as const)('%#: %s', (f, expected) => {
    const parts = statusParts(f);
    expect(`${parts.what}${parts.detail ? ` (${parts.detail})` : ''}; check: ${parts.fix}`).toMatch(expected);
  });
  it('never gives the redirect-loop hint for a status that is not a redirect', () => {
    for (const status of [400, 401, 403, 404, 405, 409, 426, 429, 500, 502]) {
      for (const upgrade of [false, true]) {
        const p = statusParts(facts(status, { upgrade, expected: upgrade ? 101 : 200 }));
        expect(`${p.what} ${p.fix}`).not.toMatch(/X-Forwarded-Proto|3xx|redirect/);
      }
    }
  });
});

describe('causes', () => {
  it('keeps one line per cause for alarms and the dashboard, built from the same parts as messages', () => {
    for (const cause of CAUSES) expect(CAUSE_RUNBOOK[cause]).toBe(`${CAUSE_GUIDE[cause].meaning}; check: ${CAUSE_GUIDE[cause].check}`);
  });
});

describe('redact: every encoding server text can carry', () => {
  const token = 'Zq"7/x+K w9é€';
  const forms = {
    raw: token,
    json: JSON.stringify(token).slice(1, -1),
    'json with \\/': JSON.stringify(token).slice(1, -1).replace(/\//g, '\\/'),
    'json ascii (Python)': JSON.stringify(token)
      .slice(1, -1)
      .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    'url, upper hex': encodeURIComponent(token),
    'url, lower hex': encodeURIComponent(token).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    'form (+ for space)': new URLSearchParams({ t: token }).toString().slice(2),
    'encodeURI (/ and + left alone)': encodeURI(token),
    html: token.replace(/"/g, '&quot;'),
    'html numeric': token.replace(/"/g, '&#34;').replace(/\//g, '&#x2F;'),
  };
  it.each(Object.entries(forms))('masks the %s form', (_name, form) => {
    expect(redact(`before ${form} after ${form}`, token)).toBe('before *** after ***');
  });
  it('leaves text with fewer than 8 of its characters alone, masks a longer fragment, and an empty token changes nothing', () => {
    expect(redact('Zq"7/x+ is too short to be a fragment', token)).toBe('Zq"7/x+ is too short to be a fragment');
    // A server that cut the token leaves a fragment (docs/CONFORMANCE.md#token-fragments).
    expect(redact('Zq"7/x+K w9 is a fragment', token)).toBe('*** is a fragment');
    expect(redact('abc', '')).toBe('abc');
  });
});
