/**
 * Token hygiene (no token, whole or in part, in any output): a distinctive canary token, with the characters encoders treat
 * differently (`"`, `/`, `+`, a space), is echoed by loopback servers through every path that carries
 * server text into a result: close reasons and round-trip replies (cut to 120 / 200 characters,
 * with the token across the cut), bodies, and headers (Location redirects, WWW-Authenticate), in
 * every encoding a server may use. No part of it (any 6+ character substring, in any encoding) may
 * appear in the result's message, url or evidence.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCheck, type Check } from '../../contracts/config';
import { makeTestPki, type TestPki } from '../../demo/certs';
import type { AttemptResult } from '../../lambda/probes/types';
import { runCheck } from '../../lambda/probes/confirm';
import { lookupTo, tokenForms } from '../support/fault-servers';
import { startHttpBackend, type HttpBackend, type HttpBackendPatch } from '../support/http-backend';
import { startWsBackend, type WsBackend } from '../support/ws-backend';
import { probeOnce } from './harness';

const CANARY = 'Cy"9/Qx+Lw 3Vk';
/** Every placeholder of fillToken: the token raw and in each encoding. */
const ALL_FORMS = Object.keys(tokenForms(CANARY))
  .map((name) => `{${name}}`)
  .join(' | ');

/** Every 6+ character piece of the token, in every encoding: what must not appear anywhere. */
function fragments(token: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i < token.length; i++) {
    for (let j = i + 6; j <= token.length; j++) {
      const piece = token.slice(i, j);
      for (const form of Object.values(tokenForms(piece))) out.add(form);
      out.add(encodeURIComponent(piece).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    }
  }
  return [...out];
}
const FRAGMENTS = fragments(CANARY);

function expectNoLeak(result: AttemptResult): void {
  const texts = { message: result.message, url: result.url, evidence: JSON.stringify(result.evidence ?? {}), all: JSON.stringify(result) };
  for (const [where, text] of Object.entries(texts)) {
    const found = FRAGMENTS.filter((f) => text.includes(f));
    expect({ where, found }).toEqual({ where, found: [] });
  }
}

let pki: TestPki;
let chat: WsBackend;
const started: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  pki = makeTestPki();
  chat = await startWsBackend({ tls: pki.server, token: CANARY });
});
afterAll(async () => {
  await chat?.close();
});
beforeEach(() => chat.setMode({}));
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

const options = () => ({ token: CANARY, ca: pki.ca, lookup: lookupTo('127.0.0.1') });
const chatConns = { openConnections: () => chat.connections };

function wsCheck(overrides: Record<string, unknown> = {}): Check {
  return parseCheck({
    kind: 'websocket',
    name: 'chat',
    url: chat.url,
    timeoutMs: 3000,
    settleMs: 300,
    retryDelayMs: 0,
    auth: { in: 'query' },
    ...overrides,
  });
}

async function api(state: HttpBackendPatch): Promise<HttpBackend> {
  const b = await startHttpBackend({ tls: pki.server, state: { tokens: [CANARY], ...state } });
  started.push(b);
  return b;
}

describe('the canary token never leaks, in part or in any encoding', () => {
  it('checks its own detector: a cut-then-masked text would be caught', () => {
    const cutFirst = `${'r'.repeat(109)}${CANARY}`.slice(0, 120);
    expect(FRAGMENTS.some((f) => cutFirst.includes(f))).toBe(true);
    expect(FRAGMENTS.some((f) => JSON.stringify(CANARY).includes(f))).toBe(true);
  });

  it.each([
    ['raw, across the 120-character cut', `${'r'.repeat(109)}{token}`],
    ['JSON-escaped', `${'r'.repeat(100)}{token:json}`],
    ['URL-encoded', `${'r'.repeat(80)}{token:url}`],
  ])('in a WebSocket close reason (%s)', async (_label, reason) => {
    chat.setMode({ closeAfterAccept: { code: 4003, reason } });
    const result = await probeOnce(wsCheck(), options(), [chatConns]);
    expect(result).toMatchObject({ outcome: 'closed', closeCode: 4003 });
    expect(result.message).toContain('reason "');
    expectNoLeak(result);
  });

  it('in a round-trip reply, across the 200-character cut, in every encoding', async () => {
    chat.setMode({ reply: { fixed: `${'p'.repeat(190)}{token} ${ALL_FORMS}` } });
    const result = await probeOnce(wsCheck({ roundTrip: { send: 'ping', expect: 'pong', match: 'equals' } }), options(), [chatConns]);
    expect(result).toMatchObject({ outcome: 'assertion' });
    expect(result.message).toContain(`got "${'p'.repeat(190)}***`);
    expectNoLeak(result);
  });

  it.each([
    [
      'a 401 with the token in WWW-Authenticate and the body',
      { status: 401, headers: { 'WWW-Authenticate': 'Token error="{token:json}"' }, body: ALL_FORMS },
    ],
    [
      'a 301 whose Location carries the token',
      { status: 301, headers: { Location: 'https://localhost/ws/chat/?token={token:form}&t2={token:url-lower}&t3={token:uri}' }, body: '' },
    ],
    ['a 502 proxy page with the token HTML-escaped', { status: 502, headers: { 'Content-Type': 'text/html' }, body: `<pre>${ALL_FORMS}</pre>` }],
  ])('in a WebSocket upgrade answer: %s', async (_label, answer) => {
    chat.setMode({ answer });
    const result = await probeOnce(wsCheck(), options(), [chatConns]);
    expect(result.status).toBe(answer.status);
    expectNoLeak(result);
  });

  it('in a 403 debug page that echoes the upgrade request (token in the query and in a header)', async () => {
    for (const auth of [{ in: 'query' }, { in: 'header' }]) {
      chat.setMode({ echoRequestOn403: true, allowedHosts: ['localhost'] });
      const result = await probeOnce(wsCheck({ origin: 'https://indexo.ir', auth }), options(), [chatConns]);
      expect(result).toMatchObject({ outcome: 'forbidden', cause: 'origin_rejected' });
      expectNoLeak(result);
    }
  });

  it('in an HTTP redirect Location, in three encodings', async () => {
    const b = await api({
      status: 301,
      extraHeaders: { location: '/api/auth/buyer/orders/?token={token:form}&again={token:url-lower}&raw={token:uri}' },
    });
    const result = await probeOnce(parseCheck({ kind: 'http', name: 'orders', url: b.url, auth: { in: 'query' }, timeoutMs: 3000 }), options(), [b]);
    expect(result).toMatchObject({ outcome: 'unexpected_status', status: 301 });
    expect(result.message).toContain('Location: /api/auth/buyer/orders/?token=***&again=***&raw=***');
    expectNoLeak(result);
  });

  it.each([
    [
      'a 401 whose challenge and DRF detail quote the token',
      { status: 401, extraHeaders: { 'www-authenticate': 'Token error="{token:json}"' }, bodyTemplate: '{"detail":"Invalid token {token:json}"}' },
    ],
    [
      'a 403 whose DRF detail quotes the token, gzip-compressed',
      { status: 403, compress: 'gzip', bodyTemplate: `{"detail":"${'d'.repeat(190)}{token:json}"}` },
    ],
    ['a 200 whose body fails an assertion', { bodyTemplate: `${'b'.repeat(2040)}{token} ${ALL_FORMS}` }],
    ['a 500 debug page', { status: 500, bodyTemplate: `<html><pre>Authorization: Token {token:html}\nURL: ?token={token:form}</pre></html>` }],
  ] as const)('in an HTTP answer: %s', async (_label, state) => {
    const b = await api(state as HttpBackendPatch);
    const result = await probeOnce(
      parseCheck({ kind: 'http', name: 'orders', url: b.url, auth: {}, timeoutMs: 3000, assert: { bodyContains: 'never there' } }),
      options(),
      [b],
    );
    expect(result.outcome).not.toBe('ok');
    expectNoLeak(result);
  });

  it('through runCheck, retry included', async () => {
    chat.setMode({ closeAfterAccept: { code: 4003, reason: `${'r'.repeat(109)}{token}` } });
    const result = await runCheck({ ...wsCheck(), retryDelayMs: 10 } as Check, options());
    expect(result).toMatchObject({ outcome: 'closed', attempts: 2 });
    expectNoLeak(result);
  });
});
