/**
 * The HTTP probe (DESIGN §2–3): one request over a dedicated undici Client, bounded by ONE deadline
 * per attempt that covers DNS, TCP connect, TLS, headers and body.
 *
 * Why a connector of our own: undici only honours an AbortSignal once a connection exists, so a
 * hung DNS lookup, SYN or TLS handshake would outlive any abort. Our connector hands us each socket
 * as it is created, so the deadline can destroy it, and its events give the phase timings.
 */
import { Buffer } from 'node:buffer';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Client, type Dispatcher, type buildConnector } from 'undici';
import type { HttpCheck } from '../../contracts/config';
import { placeToken, type TokenPlacement } from '../check';
import { Cause, CAUSE_RUNBOOK, Outcome, OUTCOME_RUNBOOK } from '../../contracts/outcomes';
import { redact } from '../redact';
import type { Evidence, Timings } from '../../contracts/result';
import type { AttemptOptions, AttemptResult } from './types';
import { DeadlineError, outcomeForError, outcomeForStatus } from './classify';
import { excerptUtf8, keepHeaders } from './evidence';
import { PhaseClock } from './timing';

/** Bodies of unexpected statuses are read only for their detail; no need to pull megabytes. */
const ERROR_BODY_CAP_BYTES = 64 * 1024;
/** Response headers kept as evidence: enough to explain a verdict, never credentials or cookies. */
const EVIDENCE_HEADERS: ReadonlySet<string> = new Set(['content-type', 'www-authenticate', 'location', 'server']);
const DRF_NOT_AUTHENTICATED = 'Authentication credentials were not provided.';
const DRF_PERMISSION_DENIED = 'You do not have permission to perform this action.';
const USER_AGENT = 'synthmon/0.1 (+synthetic monitor)';

/** Where the attempt is when the deadline strikes; names the phase in the timeout message. */
type Phase = 'DNS lookup' | 'TCP connect' | 'TLS handshake' | 'response headers' | 'response body';

/** What the attempt concluded, before timings and the URL are attached. */
interface Verdict {
  readonly outcome: Outcome;
  readonly status?: number;
  readonly cause?: Cause;
  readonly message: string;
  readonly evidence?: Evidence;
}

/**
 * Probe one HTTP(S) endpoint once: the expected status (default 200) plus the check's assertions
 * gives `ok`; anything else is classified on the taxonomy with a message naming the likely fix.
 * Never throws for endpoint failures, never leaves a socket or timer behind, never reports the token.
 */
export async function probeHttp(check: HttpCheck, options: AttemptOptions): Promise<AttemptResult> {
  const startedAt = new Date().toISOString();
  const clock = new PhaseClock();
  const token = options.token || undefined;
  const placed = placeToken(check, token);
  const target = placed.url;
  const shownUrl = placed.displayUrl;
  const headerScheme = placed.header?.scheme;

  const https = target.protocol === 'https:';
  const hostname = target.hostname.replace(/^\[(.*)\]$/, '$1');
  let phase: Phase = isIP(hostname) ? 'TCP connect' : 'DNS lookup';
  const sockets = new Set<Socket>();

  // Our connector instead of undici's buildConnector: its return value (the socket) is not part of
  // its typed API, and we need the socket both for timings and to destroy it at the deadline.
  const connector: buildConnector.connector = (opts, callback) => {
    const port = Number(opts.port) || (https ? 443 : 80);
    const common = { host: opts.hostname, port, ...(options.lookup ? { lookup: options.lookup } : {}) };
    const socket: Socket = https
      ? tlsConnect({
          ...common,
          servername: opts.servername || (isIP(opts.hostname) ? undefined : opts.hostname),
          ALPNProtocols: ['http/1.1'],
          ...(options.ca ? { ca: options.ca } : {}),
        })
      : netConnect(common);
    sockets.add(socket);
    clock.watch(socket);
    socket.setNoDelay(true);
    socket.once('lookup', () => {
      if (phase === 'DNS lookup') phase = 'TCP connect';
    });
    socket.once('connect', () => {
      if (phase === 'TCP connect' || phase === 'DNS lookup') phase = https ? 'TLS handshake' : 'response headers';
    });
    let pending: typeof callback | undefined = callback;
    const done = (err: Error | null) => {
      const cb = pending;
      pending = undefined;
      if (!cb) return;
      if (err) cb(err, null);
      else cb(null, socket);
    };
    socket.once(https ? 'secureConnect' : 'connect', () => {
      phase = 'response headers';
      done(null);
    });
    // Stays attached for the socket's life: undici adds its own once it owns the socket, and a late
    // error on a socket we destroyed must not become an uncaught 'error' event.
    socket.on('error', (err) => done(err));
    socket.once('close', () => done(new Error('socket closed while connecting')));
    return socket;
  };

  const client = new Client(target.origin, {
    connect: connector,
    // The attempt's own deadline bounds every phase; undici's per-phase timers would only race it.
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 1,
  });

  let settle!: (verdict: Verdict) => void;
  const settled = new Promise<Verdict>((resolve) => {
    let open = true;
    settle = (verdict) => {
      if (open) {
        open = false;
        resolve(verdict);
      }
    };
  });
  const fail = (err: unknown) => settle(errorVerdict(err, token));
  const deadline = setTimeout(() => fail(new DeadlineError(phase, check.timeoutMs)), check.timeoutMs);

  const exchange = async (): Promise<Verdict> => {
    const response = await client.request({
      path: `${target.pathname}${target.search}`,
      method: check.method,
      headers: requestHeaders(check, placed.header),
    });
    clock.markFirstByte();
    phase = 'response body';
    return judge(check, response, { clock, token, headerScheme, requestUrl: target.toString() });
  };
  exchange().then(settle, fail);

  let verdict: Verdict;
  let timings: Timings;
  try {
    verdict = await settled;
  } finally {
    // Measured at the verdict: teardown below is ours, not the endpoint's.
    timings = clock.timings();
    clearTimeout(deadline);
    // Destroy whatever is still connecting (undici does not know those sockets yet), then the
    // client, and wait until every socket has closed so nothing outlives the attempt.
    for (const socket of sockets) socket.destroy();
    await client.destroy().catch(() => undefined);
    await Promise.all([...sockets].map(closed));
  }
  return {
    check: check.name,
    kind: 'http',
    url: shownUrl,
    ok: verdict.outcome === Outcome.OK,
    outcome: verdict.outcome,
    ...(verdict.status !== undefined ? { status: verdict.status } : {}),
    ...(verdict.cause !== undefined ? { cause: verdict.cause } : {}),
    message: redact(verdict.message, token),
    timings,
    startedAt,
    ...(verdict.evidence ? { evidence: verdict.evidence } : {}),
  };
}

function closed(socket: Socket): Promise<void> {
  // A destroyed socket always emits 'close' once its handle is released: a local event, not a network wait.
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Request headers, lower-cased so the token header replaces any same-named extra header. */
function requestHeaders(check: HttpCheck, auth: TokenPlacement['header']): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(check.headers ?? {})) headers[name.toLowerCase()] = value;
  if (auth) headers[auth.name.toLowerCase()] = auth.value;
  return headers;
}

/** A failure before any response: refused, dns, timeout, tls or reset. */
function errorVerdict(err: unknown, token: string | undefined): Verdict {
  const classified = outcomeForError(err);
  const code = classified.code;
  // undici refusing our own request (e.g. a header value with a newline) is a configuration problem, not an endpoint verdict.
  const outcome = code === 'UND_ERR_INVALID_ARG' ? Outcome.ERROR : classified.outcome;
  const runbook = OUTCOME_RUNBOOK[outcome];
  const detail = err instanceof Error ? err.message : String(err);
  return {
    outcome,
    message: redact(`${runbook.meaning} — ${detail}; check ${runbook.check}`, token),
    ...(code ? { evidence: { errorCode: code } } : {}),
  };
}

interface JudgeContext {
  readonly clock: PhaseClock;
  readonly token: string | undefined;
  /** The auth scheme sent in a header, if any (query placement sends none). */
  readonly headerScheme: string | undefined;
  readonly requestUrl: string;
}

/** Read the body under its cap and turn status, headers and body into a verdict. */
async function judge(check: HttpCheck, response: Dispatcher.ResponseData, ctx: JudgeContext): Promise<Verdict> {
  const status = response.statusCode;
  const expected = status === check.expectStatus;
  const cap = expected ? check.maxBodyBytes : Math.min(check.maxBodyBytes, ERROR_BODY_CAP_BYTES);
  const declared = Number(header(response.headers, 'content-length'));
  // HEAD answers carry the GET body's length; only a body that will actually come can be too large.
  const body =
    check.method !== 'HEAD' && Number.isFinite(declared) && declared > cap
      ? { bytes: Buffer.alloc(0), tooLarge: true, declared }
      : { ...(await readCapped(response.body, cap)), declared: undefined };
  // A body we stopped reading is destroyed here; with it the request is aborted and undici lets go of the socket.
  if (!response.body.destroyed) response.body.destroy();

  const text = redact(body.bytes.toString('utf8'), ctx.token);
  const evidence = responseEvidence(response.headers, text, ctx.token);
  if (expected) return assertBody(check, { status, text, tooLarge: body.tooLarge, declared: body.declared, evidence, clock: ctx.clock });

  const outcome = outcomeForStatus(status);
  const detail = drfDetail(text);
  const said = detail !== undefined ? ` ${JSON.stringify(detail)}` : '';
  const runbook = OUTCOME_RUNBOOK[outcome];
  const base = { outcome, status, evidence };

  if (status === 403) {
    const cause = forbiddenCause(detail ?? text, ctx.token !== undefined);
    if (cause) {
      const sent = cause === Cause.CREDENTIALS_NOT_RECOGNIZED ? ' although a token was sent' : '';
      return { ...base, cause, message: `HTTP 403${sent} — ${CAUSE_RUNBOOK[cause]}` };
    }
    return { ...base, message: `HTTP 403${said}; check ${runbook.check}` };
  }
  if (status === 401) {
    const challenges = challengeSchemes(response.headers['www-authenticate']);
    const challenge = challenges.length ? ` (WWW-Authenticate: ${challenges.join(', ')})` : ' (no WWW-Authenticate challenge)';
    const cause = unauthorizedCause(challenges, ctx);
    if (cause) {
      const sent = ctx.headerScheme ? `sent "${ctx.headerScheme}"` : 'token sent in the query string';
      return { ...base, cause, message: `HTTP 401${said}${challenge}, ${sent} — ${CAUSE_RUNBOOK[cause]}` };
    }
    return { ...base, message: `HTTP 401${said}${challenge}; check ${runbook.check}` };
  }
  if (status >= 300 && status < 400) {
    const location = header(response.headers, 'location');
    const where = location === undefined ? 'without a Location header' : `to ${location}`;
    const self = location !== undefined && sameUrl(location, ctx.requestUrl) ? ' (itself: a redirect loop)' : '';
    return {
      ...base,
      message:
        `HTTP ${status} redirect ${where}${self}, expected ${check.expectStatus}; ` +
        'check the proxy forwards X-Forwarded-Proto and Django trusts it (SECURE_PROXY_SSL_HEADER) when SECURE_SSL_REDIRECT is on, ' +
        'and that the URL is the canonical one (scheme, host, trailing slash)',
    };
  }
  if (status >= 500) {
    const hint =
      status === 502 || status === 503 || status === 504
        ? 'the proxy answered but the backend behind it (daphne/gunicorn) is down, not ready or too slow; check its health and the proxy route'
        : 'an exception in the application; check its logs';
    return { ...base, message: `HTTP ${status}${said}: ${hint}` };
  }
  return { ...base, message: `HTTP ${status}${said}, expected ${check.expectStatus}; check ${runbook.check}` };
}

/** Read at most `cap` bytes, counting as they stream; past the cap stop reading (the caller destroys). */
async function readCapped(body: Dispatcher.ResponseData['body'], cap: number): Promise<{ bytes: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > cap) {
      chunks.push(chunk.subarray(0, cap - size));
      return { bytes: Buffer.concat(chunks), tooLarge: true };
    }
    size += chunk.length;
    chunks.push(chunk);
  }
  return { bytes: Buffer.concat(chunks), tooLarge: false };
}

interface BodyFacts {
  readonly status: number;
  readonly text: string;
  readonly tooLarge: boolean;
  readonly declared: number | undefined;
  readonly evidence: Evidence;
  readonly clock: PhaseClock;
}

/** The expected status arrived: check the body cap and the check's assertions, all at once. */
function assertBody(check: HttpCheck, facts: BodyFacts): Verdict {
  const problems: string[] = [];
  const a = check.assert ?? {};
  if (facts.tooLarge) {
    const declared = facts.declared !== undefined ? ` (Content-Length: ${facts.declared})` : '';
    problems.push(`body larger than ${check.maxBodyBytes} bytes${declared}`);
  } else {
    if (a.json !== undefined || a.fields?.length) {
      let parsed: unknown;
      let isJson = true;
      try {
        parsed = JSON.parse(facts.text);
      } catch {
        isJson = false;
      }
      if (!isJson) {
        problems.push(`body is not JSON (content-type: ${facts.evidence.headers?.['content-type'] ?? 'none'})`);
      } else {
        const kind = jsonKind(parsed);
        if (a.json !== undefined && kind !== a.json) problems.push(`body is a JSON ${kind}, expected ${a.json === 'array' ? 'an array' : 'an object'}`);
        const missing = (a.fields ?? []).filter((path) => !hasPath(parsed, path));
        if (missing.length) problems.push(`missing field${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
      }
    }
    if (a.bodyContains !== undefined && !facts.text.includes(a.bodyContains)) {
      problems.push(`body does not contain ${JSON.stringify(a.bodyContains)}`);
    }
  }
  const elapsed = Math.round(facts.clock.elapsedMs());
  if (a.maxLatencyMs !== undefined && elapsed > a.maxLatencyMs) {
    problems.push(`took ${elapsed} ms, over the ${a.maxLatencyMs} ms budget`);
  }
  if (problems.length) {
    return {
      outcome: Outcome.ASSERTION,
      status: facts.status,
      message: `HTTP ${facts.status} as expected, but ${problems.join('; ')}; check ${OUTCOME_RUNBOOK.assertion.check}`,
      evidence: facts.evidence,
    };
  }
  return { outcome: Outcome.OK, status: facts.status, message: `HTTP ${facts.status} in ${elapsed} ms`, evidence: facts.evidence };
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  return value === null ? 'null' : typeof value;
}

/** A dotted path ("results.0.id") present in parsed JSON; numeric segments index arrays. */
function hasPath(value: unknown, path: string): boolean {
  let node = value;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/** DRF's `{"detail": "..."}`, when the body is one. */
function drfDetail(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { detail?: unknown }).detail === 'string') {
      return (parsed as { detail: string }).detail;
    }
  } catch {
    // not JSON (a proxy page, HTML): no detail
  }
  return undefined;
}

/** DESIGN §3: which DRF refusal a 403 is. Matches on the text too, in case the browsable API answered in HTML. */
function forbiddenCause(detail: string, tokenSent: boolean): Cause | undefined {
  const said = detail.toLowerCase();
  if (tokenSent && said.includes(DRF_NOT_AUTHENTICATED.toLowerCase())) return Cause.CREDENTIALS_NOT_RECOGNIZED;
  if (said.includes(DRF_PERMISSION_DENIED.toLowerCase())) return Cause.PERMISSION_DENIED;
  return undefined;
}

/** DESIGN §3: a 401 names the scheme we sent (token rejected) or only others (scheme not accepted). */
function unauthorizedCause(schemes: readonly string[], ctx: JudgeContext): Cause | undefined {
  if (!ctx.token || schemes.length === 0) return undefined;
  const sent = ctx.headerScheme?.toLowerCase();
  if (sent !== undefined && schemes.some((s) => s.toLowerCase() === sent)) return Cause.TOKEN_REJECTED;
  return Cause.SCHEME_NOT_ACCEPTED;
}

/**
 * The auth schemes named by WWW-Authenticate (RFC 9110 §11.6.1): each challenge starts with a
 * scheme token; `name=value` pieces between commas are parameters of the previous challenge.
 */
export function challengeSchemes(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const schemes: string[] = [];
  for (const line of Array.isArray(value) ? value : [value]) {
    // Quoted strings may contain commas; blank them out before splitting.
    const unquoted = line.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    for (const piece of unquoted.split(',')) {
      const m = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?=\s|$)/.exec(piece);
      if (m && !/^\s*[^\s=]+\s*=/.test(piece)) schemes.push(m[1]!);
    }
  }
  return schemes;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function sameUrl(location: string, requestUrl: string): boolean {
  try {
    return new URL(location, requestUrl).toString() === requestUrl;
  } catch {
    return false;
  }
}

function responseEvidence(headers: Dispatcher.ResponseData['headers'], text: string, token: string | undefined): Evidence {
  const kept = keepHeaders(headers, (name) => EVIDENCE_HEADERS.has(name), token);
  const excerpt = excerptUtf8(text);
  return {
    ...(Object.keys(kept).length ? { headers: kept } : {}),
    ...(excerpt ? { bodyExcerpt: excerpt } : {}),
  };
}
