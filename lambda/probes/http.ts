/**
 * The HTTP probe (docs/DESIGN.md#the-problem, README.md#outcomes): one request over a dedicated undici Client, the body read as a
 * browser reads it (decompressed, capped), then the expected status and the check's assertions,
 * with DRF's 401/403 answers narrowed to a cause. The engine (./attempt.ts) owns the deadline, the
 * connection (undici gets our connector, so a hung DNS lookup, SYN or TLS handshake is still under
 * the deadline), the teardown and the failure path; ./messages.ts the wording.
 */
import type { Socket } from 'node:net';
import { Client, type Dispatcher } from 'undici';
import type { HttpCheck } from '../../contracts/config';
import { Cause, Outcome } from '../../contracts/outcomes';
import { placeToken, type TokenPlacement } from '../token-placement';
import { runAttempt, type Attempt } from './attempt';
import { bodyExcerpt, keepHeaders } from './evidence';
import { ACCEPT_ENCODING, readBody, type Body } from './http-body';
import { assertionMessage, causeMessage, redirectTarget, statusFinding } from './messages';
import type { AttemptOptions, AttemptResult, Finding } from './types';
import type { Evidence } from '../../contracts/result';
import { MAX_HEADER_BYTES, readAsBrowser } from './interim';
import { USER_AGENT } from '../../contracts/user-agent';

/** Bodies of unexpected statuses are read only for their detail; no need to pull megabytes. */
const ERROR_BODY_CAP_BYTES = 64 * 1024;
/** Response headers kept as evidence: enough to explain a finding, never credentials or cookies. */
const EVIDENCE_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-encoding',
  'www-authenticate',
  'location',
  'retry-after',
  'allow',
  'upgrade',
  'server',
]);
const DRF_NOT_AUTHENTICATED = 'Authentication credentials were not provided.';
const DRF_PERMISSION_DENIED = 'You do not have permission to perform this action.';

/**
 * Probe one HTTP(S) endpoint once: the expected status (default 200) plus the check's assertions
 * gives `ok`; anything else is classified on the taxonomy with a message naming the likely fix.
 * Never throws for endpoint failures, never leaves a socket or timer behind, never reports the token.
 */
export function probeHttp(check: HttpCheck, options: AttemptOptions): Promise<AttemptResult> {
  const placed = placeToken(check, options.token || undefined);
  return runAttempt(
    { check, options, target: placed.url, displayUrl: placed.displayUrl, phases: { waiting: 'response headers', reading: 'response body' } },
    (attempt) => exchange(check, attempt, placed),
  );
}

async function exchange(check: HttpCheck, a: Attempt, placed: TokenPlacement): Promise<Finding> {
  const target = placed.url;
  const client = new Client(target.origin, {
    connect: (opts, callback) => {
      const port = Number(opts.port) || (a.secure ? 443 : 80);
      a.connect(
        { host: opts.hostname, port, ...(opts.servername ? { servername: opts.servername } : {}), alpn: ['http/1.1'] },
        (err, socket: Socket) => (err ? callback(err, null) : callback(null, readAsBrowser(socket))),
      );
    },
    // The attempt's own deadline bounds every phase; undici's per-phase timers would only race it.
    headersTimeout: 0,
    bodyTimeout: 0,
    // A browser's limit, not Node's 16 KiB: headers every browser reads must not read `reset`.
    maxHeaderSize: MAX_HEADER_BYTES,
    pipelining: 1,
  });
  a.onRelease(() => void client.destroy().catch(() => undefined));

  const response = await a.network(
    client.request({ path: `${target.pathname}${target.search}`, method: check.method, headers: requestHeaders(check, placed.header) }),
  );
  a.clock.markFirstByte();
  a.answered = response.statusCode;
  const expected = response.statusCode === check.expectStatus;
  const cap = expected ? check.maxBodyBytes : Math.min(check.maxBodyBytes, ERROR_BODY_CAP_BYTES);
  const body = await a.network(readBody(response, { cap, method: check.method }));
  // A body we stopped reading (or never read) is destroyed here; with it the request is aborted and
  // undici lets go of the socket. Destroying an unread body raises RequestAbortedError: ours, expected.
  if (!response.body.destroyed) response.body.on('error', () => undefined).destroy();
  return judge(check, a, { response, body, expected, headerScheme: placed.header?.scheme, requestUrl: target.toString() });
}

/** Request headers, lower-cased so the token header replaces any same-named extra header. */
function requestHeaders(check: HttpCheck, auth: TokenPlacement['header']): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': ACCEPT_ENCODING, 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(check.headers ?? {})) headers[name.toLowerCase()] = value;
  if (auth) headers[auth.name.toLowerCase()] = auth.value;
  return headers;
}

interface Answer {
  readonly response: Dispatcher.ResponseData;
  readonly body: Body;
  readonly expected: boolean;
  /** The auth scheme sent in a header, if any (query placement sends none). */
  readonly headerScheme: string | undefined;
  readonly requestUrl: string;
}

/** Turn status, headers and body into a finding (no I/O: a throw here is a bug, reported as `error`). */
function judge(check: HttpCheck, a: Attempt, answer: Answer): Finding {
  const { response, body } = answer;
  const status = response.statusCode;
  // Assertions read the body as sent; what is shown is masked first, then cut.
  const raw = body.bytes.toString('utf8');
  const headers = keepHeaders(response.headers, (name) => EVIDENCE_HEADERS.has(name), a.mask);
  const excerpt = bodyExcerpt(raw, a.mask);
  const evidence: Evidence = { ...(Object.keys(headers).length ? { headers } : {}), ...(excerpt ? { bodyExcerpt: excerpt } : {}) };
  if (answer.expected) return assertBody(check, a, { status, raw, body, headers, evidence });

  const detailRaw = body.decodeError === undefined ? drfDetail(raw) : undefined;
  const detail = detailRaw === undefined ? undefined : a.excerpt(detailRaw, 200);
  const base = { status, evidence };

  if (status === 403) {
    const cause = forbiddenCause(detailRaw ?? raw, a.hasToken);
    if (cause) {
      // The cause's meaning quotes DRF's words already.
      const sent = cause === Cause.CREDENTIALS_NOT_RECOGNIZED ? ' although a token was sent' : '';
      return { ...base, outcome: Outcome.FORBIDDEN, cause, message: causeMessage(`HTTP 403 Forbidden${sent}`, cause) };
    }
  }
  if (status === 401) {
    const challenges = challengeSchemes(response.headers['www-authenticate']);
    const cause = unauthorizedCause(challenges, a.hasToken, answer.headerScheme);
    if (cause) {
      const said = detail !== undefined ? ` ${JSON.stringify(detail)}` : '';
      const sent = answer.headerScheme ? `sent "${answer.headerScheme}"` : 'token sent in the query string';
      return {
        ...base,
        outcome: Outcome.UNAUTHORIZED,
        cause,
        message: causeMessage(`HTTP 401 Unauthorized${said}`, cause, `WWW-Authenticate: ${challenges.join(', ')}; ${sent}`),
      };
    }
  }
  const location = response.headers.location;
  return {
    ...base,
    ...statusFinding({
      status,
      expected: check.expectStatus,
      upgrade: false,
      headers,
      body: excerpt,
      redirect: redirectTarget(Array.isArray(location) ? location[0] : location, answer.requestUrl),
      method: check.method,
      ...(detail !== undefined ? { detail } : {}),
    }),
  };
}

interface BodyFacts {
  readonly status: number;
  /** The decoded body, unmasked: assertions run on what the server sent. */
  readonly raw: string;
  readonly body: Body;
  readonly headers: Readonly<Record<string, string>>;
  readonly evidence: Evidence;
}

const FIX_SHAPE = 'the response body shape (an API change?)';

/** The expected status arrived: check the body cap, its encoding and the check's assertions, all at once. */
function assertBody(check: HttpCheck, a: Attempt, facts: BodyFacts): Finding {
  const problems: Array<{ text: string; fix: string }> = [];
  const asserts = check.assert ?? {};
  const { body } = facts;
  const encoding = body.encoding === undefined ? undefined : a.excerpt(body.encoding, 60);
  if (body.tooLarge) {
    const declared = body.declared !== undefined ? ` (Content-Length: ${body.declared})` : encoding ? ` (decoded from ${encoding})` : '';
    problems.push({
      text: `body larger than ${check.maxBodyBytes} bytes${declared}`,
      fix: "the endpoint's response size (pagination) or the check's maxBodyBytes",
    });
  } else if (body.decodeError !== undefined) {
    problems.push({
      text: `the body could not be decoded (Content-Encoding: ${encoding ?? 'none'}: ${a.excerpt(body.decodeError, 200)})`,
      fix: 'the compression the server or a proxy applies (Content-Encoding must match the bytes sent)',
    });
  } else {
    if (asserts.json !== undefined || asserts.fields?.length) {
      let parsed: unknown;
      let isJson = true;
      try {
        parsed = JSON.parse(facts.raw);
      } catch {
        isJson = false;
      }
      if (!isJson) {
        problems.push({ text: `body is not JSON (content-type: ${facts.headers['content-type'] ?? 'none'})`, fix: FIX_SHAPE });
      } else {
        const kind = jsonKind(parsed);
        if (asserts.json !== undefined && kind !== asserts.json)
          problems.push({ text: `body is a JSON ${kind}, expected ${asserts.json === 'array' ? 'an array' : 'an object'}`, fix: FIX_SHAPE });
        const missing = (asserts.fields ?? []).filter((path) => !hasPath(parsed, path));
        if (missing.length)
          problems.push({ text: `missing field${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`, fix: FIX_SHAPE });
      }
    }
    if (asserts.bodyContains !== undefined && !facts.raw.includes(asserts.bodyContains)) {
      problems.push({ text: `body does not contain ${JSON.stringify(asserts.bodyContains)}`, fix: FIX_SHAPE });
    }
  }
  const elapsed = Math.round(a.clock.elapsedMs());
  if (asserts.maxLatencyMs !== undefined && elapsed > asserts.maxLatencyMs) {
    problems.push({
      text: `took ${elapsed} ms, over the ${asserts.maxLatencyMs} ms budget`,
      fix: "the backend's latency (slow queries, load) or the check's maxLatencyMs",
    });
  }
  if (problems.length)
    return { outcome: Outcome.ASSERTION, status: facts.status, message: assertionMessage(facts.status, problems), evidence: facts.evidence };
  return { outcome: Outcome.OK, status: facts.status, message: `HTTP ${facts.status} as expected in ${elapsed} ms`, evidence: facts.evidence };
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

/** README.md#outcomes: which DRF refusal a 403 is. Matches on the text too, in case the browsable API answered in HTML. */
function forbiddenCause(detail: string, tokenSent: boolean): Cause | undefined {
  const said = detail.toLowerCase();
  if (tokenSent && said.includes(DRF_NOT_AUTHENTICATED.toLowerCase())) return Cause.CREDENTIALS_NOT_RECOGNIZED;
  if (said.includes(DRF_PERMISSION_DENIED.toLowerCase())) return Cause.PERMISSION_DENIED;
  return undefined;
}

/** README.md#outcomes: a 401 names the scheme we sent (token rejected) or only others (scheme not accepted). */
function unauthorizedCause(schemes: readonly string[], tokenSent: boolean, headerScheme: string | undefined): Cause | undefined {
  if (!tokenSent || schemes.length === 0) return undefined;
  const sent = headerScheme?.toLowerCase();
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
