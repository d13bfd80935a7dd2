/**
 * One case judged twice (docs/CONFORMANCE.md): by synthmon's own probe (one attempt of
 * probeHttp / probeWebSocket, the code runCheck runs) and by Chromium, each mapped to a
 * comparable verdict:
 *
 * - HTTP: `ok` (the expected 200 and a body read to its end), `status:N` (another status, its body
 *   read to its end), `redirect`, or `failed` (no response, or a body that could not be read);
 * - WebSocket: `open` (101 and still open after the settle window), `closed:<code>` (opened, then
 *   closed with that code; 1006 for a drop or a protocol error), or `failed` (never opened).
 *
 * Each synthmon run also checks the property of docs/CONFORMANCE.md#the-property: never `error`,
 * within its deadline, no connection left open on the peer, and a message that names the phase.
 */
import { performance } from 'node:perf_hooks';
import { parseCheck, type Check } from '../../contracts/config';
import type { TestPki } from '../../demo/certs';
import { probeHttp } from '../../lambda/probes/http';
import type { AttemptResult } from '../../lambda/probes/types';
import { probeWebSocket } from '../../lambda/probes/websocket';
import { lookupTo } from '../support/fault-servers';
import type { Browser, BrowserHttp, BrowserWs } from './browser';
import { tlsOptions, wantsTls, type Case } from './cases';
import { startPeer } from './peer';

export const TIMEOUT_MS = 2_000;
export const SETTLE_MS = 400;
/** Two shared cores and a browser running: the deadline is asserted with this margin, never speed. */
const MARGIN_MS = 2_500;

export interface Judged {
  readonly c: Case;
  readonly synthmon: string;
  readonly chromium?: string;
  readonly result: AttemptResult;
  /** Broken parts of the property, empty when it holds. */
  readonly problems: readonly string[];
}

/** The message names where it happened: the phase for a failure, the answer for a status. */
const PHASE: Readonly<Record<string, RegExp>> = {
  ok: /HTTP \d{3}|WebSocket/,
  refused: /connection refused/,
  timeout: /(DNS lookup|TCP connect|TLS handshake|response headers|response body|WebSocket upgrade response|round-trip reply) timed out/,
  tls: /TLS|certificate/,
  reset: /before any response|not HTTP|while reading the response body|Content-Length/,
  closed: /accepted the WebSocket \(101\), then/,
  unexpected_status: /HTTP \d{3}/,
  server_error: /HTTP \d{3}/,
  not_found: /HTTP \d{3}/,
  forbidden: /HTTP \d{3}/,
  unauthorized: /HTTP \d{3}/,
  assertion: /HTTP \d{3}/,
};

function checkFor(c: Case, url: string): Check {
  const common = { name: 'conformance', url, timeoutMs: TIMEOUT_MS, retryDelayMs: 0 };
  return c.kind === 'websocket' ? parseCheck({ ...common, kind: 'websocket', settleMs: SETTLE_MS }) : parseCheck({ ...common, kind: 'http' });
}

/** Outcomes that mean no usable answer (a status may be known when the body failed). */
const FAILED = new Set(['refused', 'dns', 'timeout', 'tls', 'reset', 'error', 'assertion']);

/** synthmon's result as a comparable verdict. */
export function synthmonVerdict(kind: Case['kind'], r: AttemptResult): string {
  if (kind === 'websocket') {
    if (r.outcome === 'ok') return 'open';
    if (r.outcome === 'closed') return `closed:${r.closeCode ?? 1006}`;
    return 'failed';
  }
  if (r.outcome === 'ok') return 'ok';
  if (r.status === undefined || FAILED.has(r.outcome)) return 'failed';
  if (r.status >= 300 && r.status < 400) return 'redirect';
  return `status:${r.status}`;
}

/** Chromium's answer as a comparable verdict. */
export function browserVerdict(kind: Case['kind'], b: BrowserHttp | BrowserWs): string {
  if (kind === 'websocket') {
    const v = b as BrowserWs;
    if (v.kind === 'open') return 'open';
    if (v.kind === 'closed') return `closed:${v.code}`;
    return 'failed';
  }
  const v = b as BrowserHttp;
  if (v.kind === 'rejected' || v.body === 'failed') return 'failed';
  if (v.redirected || (v.status >= 300 && v.status < 400)) return 'redirect';
  return v.status === 200 ? 'ok' : `status:${v.status}`;
}

/** Run one case on synthmon (and Chromium, when given), each against a fresh peer. */
export async function judge(c: Case, pki: TestPki, browser?: Browser): Promise<Judged> {
  const scheme = c.kind === 'websocket' ? (wantsTls(c) ? 'wss' : 'ws') : wantsTls(c) ? 'https' : 'http';
  const tls = tlsOptions(c.tls, pki);
  const peer = await startPeer({ ...c.script, ...(tls ? { tls } : {}) });
  const problems: string[] = [];
  let result: AttemptResult;
  try {
    const url = `${scheme}://localhost:${peer.port}/conformance?case=${encodeURIComponent(c.id)}`;
    const check = checkFor(c, url);
    const options = { ca: pki.ca, lookup: lookupTo('127.0.0.1') };
    const t0 = performance.now();
    result = check.kind === 'websocket' ? await probeWebSocket(check, options) : await probeHttp(check, options);
    const elapsed = performance.now() - t0;
    const budget = TIMEOUT_MS + (c.kind === 'websocket' ? SETTLE_MS : 0);
    if (result.outcome === 'error') problems.push(`outcome error: ${result.message}`);
    if (elapsed > budget + MARGIN_MS) problems.push(`took ${Math.round(elapsed)} ms, budget ${budget} ms`);
    if (!(await peer.idle(3_000))) problems.push(`${peer.connections} connection(s) left open on the peer`);
    const phase = PHASE[result.outcome];
    if (phase && !phase.test(result.message)) problems.push(`message does not name the phase: ${result.message}`);
    if (/[\r\n]/.test(result.message)) problems.push('message spans lines');
  } finally {
    await peer.close();
  }
  const synthmon = synthmonVerdict(c.kind, result);
  if (!browser) return { c, synthmon, result, problems };

  const again = await startPeer({ ...c.script, ...(tls ? { tls } : {}) });
  try {
    const url = `${scheme}://localhost:${again.port}/conformance?case=${encodeURIComponent(c.id)}`;
    const b =
      c.kind === 'websocket' ? await browser.webSocket(url, SETTLE_MS, TIMEOUT_MS + SETTLE_MS + 1_000) : await browser.http(url, TIMEOUT_MS + 1_000);
    return { c, synthmon, chromium: browserVerdict(c.kind, b), result, problems };
  } finally {
    await again.close();
  }
}
