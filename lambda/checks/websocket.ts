/**
 * The WebSocket probe (DESIGN §2–4): one handshake made the way a browser makes it (Origin, token),
 * bounded by one hard deadline, then a settle window, an optional message round trip and a clean close.
 * A 403 is narrowed by a follow-up handshake that differs only in its Origin.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { connect as netConnect, isIP, type Socket, type TcpNetConnectOpts } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import type { WebSocketCheck } from '../../contracts/config';
import { tokenPlacement } from '../../contracts/kinds';
import { placeToken } from '../check';
import { Cause, CAUSE_RUNBOOK, Outcome, OUTCOME_RUNBOOK } from '../../contracts/outcomes';
import { redact } from '../redact';
import type { Evidence, Timings } from '../../contracts/result';
import type { AttemptOptions, AttemptResult } from './types';
import { DeadlineError, outcomeForError, outcomeForStatus } from './classify';
import { EXCERPT_BYTES, excerptUtf8, keepHeaders } from './evidence';
import { PhaseClock } from './timing';

/** Once the status is known the body is only evidence: don't let a trickling body eat the deadline. */
const BODY_GRACE_MS = 1000;
/** How long a clean close may wait for the server's close frame before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;
/** Destroyed sockets close within a tick or two; this only bounds waiting for their 'close'. */
const SOCKET_CLOSE_WAIT_MS = 250;
/** A monitor reads short replies; a runaway server must not make it buffer 100 MiB (ws's default). */
const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Response headers worth keeping as evidence; never Authorization, Cookie or Set-Cookie. */
const EVIDENCE_HEADERS = new Set(['content-type', 'content-length', 'server', 'www-authenticate', 'location', 'retry-after', 'via', 'upgrade', 'connection']);
const USER_AGENT = 'synthmon (synthetic monitor)';

// ws emits 'error' after terminate() on a handshake in progress (on the next tick), and a
// WebSocket without an 'error' listener throws it; every failure is settled elsewhere, so this
// listener only swallows the late echo. It lives as long as the (dead) WebSocket object.
const swallow = (): void => undefined;

/**
 * Probe one WebSocket endpoint once: handshake (DNS, TCP, TLS, upgrade) within `check.timeoutMs`,
 * then keep the socket open for `check.settleMs`, then the optional round trip, then close.
 * Never throws and never takes longer than `timeoutMs + settleMs` (plus a few ms of cleanup);
 * every timer, listener and socket it made is gone when it returns. The token never appears in the result.
 */
export async function probeWebSocket(check: WebSocketCheck, options: AttemptOptions): Promise<AttemptResult> {
  const startedAt = new Date().toISOString();
  const clock = new PhaseClock();
  const attempt = new Attempt(check, options, clock);
  let verdict: Verdict;
  let timings: Timings;
  try {
    verdict = await attempt.run();
  } catch (err) {
    // Every network failure is settled as a verdict inside run(); reaching here is a bug.
    verdict = { outcome: Outcome.ERROR, message: `probe failed unexpectedly: ${describeError(err)}` };
  } finally {
    await attempt.release();
    timings = clock.timings();
  }
  const token = options.token;
  const evidence: Evidence = {
    ...(verdict.errorCode !== undefined ? { errorCode: verdict.errorCode } : {}),
    ...(verdict.response ? { headers: verdict.response.headers, bodyExcerpt: verdict.response.body } : {}),
  };
  return {
    check: check.name,
    kind: 'websocket',
    url: attempt.displayUrl,
    ok: verdict.outcome === Outcome.OK,
    outcome: verdict.outcome,
    ...(verdict.status !== undefined ? { status: verdict.status } : {}),
    ...(verdict.cause !== undefined ? { cause: verdict.cause } : {}),
    ...(verdict.closeCode !== undefined ? { closeCode: verdict.closeCode } : {}),
    message: redact(verdict.message, token),
    timings,
    startedAt,
    ...(Object.keys(evidence).length ? { evidence } : {}),
  };
}

/** A non-101 answer, already stripped of secrets. */
interface UpgradeResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

type Handshake =
  | { readonly kind: 'open'; readonly ws: WebSocket; readonly socket?: Socket }
  | { readonly kind: 'response'; readonly response: UpgradeResponse }
  /** `afterUpgrade`: a 101 arrived but was not a valid WebSocket handshake. */
  | { readonly kind: 'failed'; readonly error: unknown; readonly afterUpgrade: boolean }
  | { readonly kind: 'invalid'; readonly error: unknown };

/** What the socket did while it was supposed to stay open. */
type Life =
  | { readonly kind: 'open' }
  | { readonly kind: 'closed'; readonly code?: number; readonly reason: string; readonly afterMs: number }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'reply'; readonly text: string }
  | { readonly kind: 'timeout'; readonly limitMs: number };

interface Verdict {
  readonly outcome: Outcome;
  readonly message: string;
  readonly status?: number;
  readonly cause?: Cause;
  readonly closeCode?: number;
  readonly errorCode?: string;
  readonly response?: UpgradeResponse;
}

class Attempt {
  readonly displayUrl: string;
  private readonly url: string;
  private readonly secure: boolean;
  private readonly needsLookup: boolean;
  private readonly ownOrigin: string;
  private readonly origin: string;
  private readonly headers: Record<string, string>;
  /** Handshake and body must be done by here (the one deadline per attempt). */
  private readonly deadlineAt: number;
  /** Nothing may run past this: the deadline plus the settle window. */
  private readonly hardEndAt: number;
  private readonly webSockets = new Set<WebSocket>();
  /** Sockets whose 'close' has not been emitted yet (their handle may still be open). */
  private readonly rawSockets = new Set<Socket>();

  constructor(
    private readonly check: WebSocketCheck,
    private readonly options: AttemptOptions,
    private readonly clock: PhaseClock,
  ) {
    const t0 = performance.now();
    this.deadlineAt = t0 + check.timeoutMs;
    this.hardEndAt = this.deadlineAt + check.settleMs;
    const placed = placeToken(check, options.token);
    const target = placed.url;
    this.secure = target.protocol === 'wss:';
    this.needsLookup = isIP(target.hostname.replace(/^\[|\]$/g, '')) === 0;
    // A browser on the target's own site would send this; URL.host omits the default port, as browsers do.
    this.ownOrigin = `${this.secure ? 'https' : 'http'}://${target.host}`;
    this.origin = check.origin ?? this.ownOrigin;
    this.headers = { 'User-Agent': USER_AGENT };
    if (placed.header) this.headers[placed.header.name] = placed.header.value;
    this.url = target.toString();
    this.displayUrl = placed.displayUrl;
  }

  async run(): Promise<Verdict> {
    const first = await this.handshake(this.origin, true);
    switch (first.kind) {
      case 'invalid':
        return {
          outcome: Outcome.ERROR,
          message: `cannot open a WebSocket to this URL: ${describeError(first.error)}. Check: ${OUTCOME_RUNBOOK.error.check}`,
        };
      case 'failed':
        return this.failedVerdict(first.error, first.afterUpgrade);
      case 'response':
        return first.response.status === 403 ? this.forbiddenVerdict(first.response) : statusVerdict(first.response);
      case 'open':
        return this.openVerdict(first.ws, first.socket);
    }
  }

  /** Terminate every WebSocket and destroy every socket this attempt made; wait (bounded) until they are closed. */
  async release(): Promise<void> {
    for (const ws of this.webSockets) ws.terminate();
    const open = [...this.rawSockets];
    for (const s of open) s.destroy();
    if (!open.length) return;
    let left = open.length;
    await waitFirst(performance.now() + SOCKET_CLOSE_WAIT_MS, () => undefined, ({ settle, on }) => {
      for (const s of open) on(s, 'close', () => --left === 0 && settle(undefined));
    });
  }

  /** One upgrade request. `watch`: feed the phase clock (the first handshake only). */
  private async handshake(origin: string, watch: boolean): Promise<Handshake> {
    const flags = { lookedUp: false, connected: false, secured: false, upgraded: false };
    let socket: Socket | undefined;
    const options: ClientOptions & { closeTimeout: number } = {
      origin,
      headers: this.headers,
      perMessageDeflate: false,
      followRedirects: false,
      maxPayload: MAX_PAYLOAD_BYTES,
      closeTimeout: CLOSE_GRACE_MS,
      ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}),
      ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
      // Our own connect, not req.on('socket'): that event comes a tick late, after a fast resolver
      // has already answered, and the phase clock would miss the lookup.
      createConnection: ((opts: TlsConnectionOptions & TcpNetConnectOpts) => {
        const s = this.secure
          ? tlsConnect({ ...opts, path: undefined, servername: opts.servername ?? (isIP(opts.host ?? '') ? '' : opts.host) } as TlsConnectionOptions)
          : netConnect({ ...opts, path: undefined } as unknown as TcpNetConnectOpts);
        socket = s;
        this.rawSockets.add(s);
        // Not `socket.closed`: that turns true at destroy(), while the handle closes a tick later.
        s.once('close', () => this.rawSockets.delete(s));
        if (watch) this.clock.watch(s);
        s.once('lookup', () => (flags.lookedUp = true));
        s.once('connect', () => (flags.connected = true));
        s.once('secureConnect', () => (flags.secured = true));
        return s;
      }) as unknown as ClientOptions['createConnection'],
    };
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, options);
    } catch (error) {
      return { kind: 'invalid', error };
    }
    ws.on('error', swallow);
    this.webSockets.add(ws);

    const phase = (): string => {
      if (!flags.connected && this.needsLookup && !flags.lookedUp) return 'DNS lookup';
      if (!flags.connected) return 'TCP connect';
      if (this.secure && !flags.secured) return 'TLS handshake';
      return 'WebSocket upgrade response';
    };
    /** Set once a non-101 answer arrives: the response with the body read so far. */
    let responseSoFar: (() => Handshake) | undefined;
    const bodyLimit = EXCERPT_BYTES + 3 * (this.options.token?.length ?? 0);

    const result = await waitFirst<Handshake>(
      this.deadlineAt,
      () => responseSoFar?.() ?? { kind: 'failed', error: new DeadlineError(phase(), this.check.timeoutMs), afterUpgrade: false },
      ({ settle, on, after }) => {
        on(ws, 'upgrade', () => {
          flags.upgraded = true;
          if (watch) this.clock.markFirstByte();
        });
        on(ws, 'open', () => settle({ kind: 'open', ws, ...(socket ? { socket } : {}) }));
        on(ws, 'error', (error: Error) => settle({ kind: 'failed', error, afterUpgrade: flags.upgraded }));
        on(ws, 'unexpected-response', (_req: unknown, res: IncomingMessage) => {
          if (watch) this.clock.markFirstByte();
          const chunks: Buffer[] = [];
          let bytes = 0;
          const snapshot = (): Handshake => ({ kind: 'response', response: this.cleanResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks)) });
          responseSoFar = snapshot;
          const done = () => settle(snapshot());
          on(res, 'data', (chunk: Buffer) => {
            chunks.push(chunk);
            bytes += chunk.length;
            if (bytes >= bodyLimit) done();
          });
          on(res, 'end', done);
          on(res, 'error', done);
          on(res, 'close', done);
          after(Math.min(BODY_GRACE_MS, this.deadlineAt - performance.now()), done);
        });
      },
    );
    // Anything but an open socket is finished with: abort the request and destroy its socket now,
    // so an unread body or a hung server cannot hold it.
    if (result.kind !== 'open') ws.terminate();
    return result;
  }

  private cleanResponse(status: number, raw: IncomingHttpHeaders, body: Buffer): UpgradeResponse {
    const token = this.options.token;
    const headers = keepHeaders(raw, (name) => EVIDENCE_HEADERS.has(name) || name.startsWith('sec-websocket-'), token);
    return { status, headers, body: excerptUtf8(redact(body.toString('utf8'), token)) };
  }

  private failedVerdict(error: unknown, afterUpgrade: boolean): Verdict {
    const { outcome, code } = outcomeForError(error);
    if (afterUpgrade && !(error instanceof DeadlineError)) {
      return {
        outcome: Outcome.UNEXPECTED_STATUS,
        status: 101,
        ...(code ? { errorCode: code } : {}),
        message:
          `the server answered 101 but not with a valid WebSocket handshake (${describeError(error)}). ` +
          `Check: ${OUTCOME_RUNBOOK.unexpected_status.check}`,
      };
    }
    const what = error instanceof DeadlineError ? error.message : `${OUTCOME_RUNBOOK[outcome].meaning} (${describeError(error)})`;
    return { outcome, ...(code ? { errorCode: code } : {}), message: `${what}. Check: ${OUTCOME_RUNBOOK[outcome].check}` };
  }

  /**
   * Channels answers 403 both for a rejected Origin and for a consumer that closes before accept().
   * A second handshake that differs only in sending the target's own origin tells them apart.
   */
  private async forbiddenVerdict(response: UpgradeResponse): Promise<Verdict> {
    const base = { outcome: Outcome.FORBIDDEN, status: 403, response } as const;
    const sent = `HTTP 403 on the upgrade with Origin ${this.origin}`;
    const notOrigin =
      `the consumer refused the connection before accept(), usually its authentication ` +
      `(the token in the ${tokenPlacement(this.check) === 'query' ? 'query string' : 'header'}). Check: ${OUTCOME_RUNBOOK.forbidden.check}`;
    if (sameOrigin(this.origin, this.ownOrigin)) {
      return { ...base, message: `${sent} (the target's own origin): ${notOrigin}` };
    }
    if (performance.now() >= this.deadlineAt) {
      return { ...base, message: `${sent}; no time was left for a follow-up with the target's own origin, so the cause is unknown. Check: ${OUTCOME_RUNBOOK.forbidden.check}` };
    }
    const second = await this.handshake(this.ownOrigin, false);
    if (second.kind === 'open') {
      await this.closeCleanly(second.ws);
      return {
        ...base,
        cause: Cause.ORIGIN_REJECTED,
        message: `${sent}, but 101 with the target's own origin ${this.ownOrigin}: ${CAUSE_RUNBOOK.origin_rejected}`,
      };
    }
    const got =
      second.kind === 'response'
        ? `HTTP ${second.response.status}`
        : `no answer (${second.kind === 'failed' ? describeError(second.error) : 'invalid'})`;
    return {
      ...base,
      message:
        second.kind === 'response' && second.response.status === 403
          ? `${sent}, and also with the target's own origin ${this.ownOrigin}, so not the origin check: ${notOrigin}`
          : `${sent}; the follow-up with the target's own origin ${this.ownOrigin} got ${got}, so the cause is unknown. ` +
            `Check: ${OUTCOME_RUNBOOK.forbidden.check}`,
    };
  }

  /** After 101: the settle window, the round trip, then a clean close. */
  private async openVerdict(ws: WebSocket, socket: Socket | undefined): Promise<Verdict> {
    const status = 101;
    const openedAt = performance.now();
    if (this.check.settleMs > 0) {
      const life = await this.watch(ws, socket, openedAt + this.check.settleMs, false);
      if (life.kind !== 'open') return this.lifeVerdict(life);
    }
    const rt = this.check.roundTrip;
    if (rt) {
      const sentAt = performance.now();
      ws.send(rt.send);
      const life = await this.watch(ws, socket, this.hardEndAt, true, sentAt);
      if (life.kind !== 'reply') return this.lifeVerdict(life);
      const matched = rt.match === 'equals' ? life.text === rt.expect : life.text.includes(rt.expect);
      if (!matched) {
        await this.closeCleanly(ws);
        return {
          outcome: Outcome.ASSERTION,
          status,
          message:
            `round trip: sent ${JSON.stringify(rt.send)}, expected a reply that ${rt.match === 'equals' ? 'equals' : 'contains'} ` +
            `${JSON.stringify(rt.expect)}, got ${JSON.stringify(excerpt(life.text, 200))}. Check: the consumer's receive() handler and the message format`,
        };
      }
    }
    await this.closeCleanly(ws);
    const kept = this.check.settleMs > 0 ? `the socket stayed open for ${this.check.settleMs} ms` : 'settle window disabled';
    return { outcome: Outcome.OK, status, message: `101 Switching Protocols; ${kept}${rt ? '; the round-trip reply matched' : ''}` };
  }

  /**
   * Wait until `untilAt` for the server to close, the socket to fail or (when `wantReply`) a message.
   * A close frame that arrived just before `untilAt` still counts: ws reports it once the TCP close follows.
   */
  private async watch(ws: WebSocket, socket: Socket | undefined, untilAt: number, wantReply: boolean, sentAt = 0): Promise<Life> {
    const openedAt = performance.now();
    const arm = ({ settle, on }: Arm<Life>) => {
      on(ws, 'close', (code: number, reason: Buffer) =>
        settle({ kind: 'closed', code, reason: reason.toString('utf8'), afterMs: Math.round(performance.now() - openedAt) }),
      );
      on(ws, 'error', (error: Error) => settle({ kind: 'error', error }));
      // ws turns a socket error into a 1006 close; listening on the socket keeps it a reset.
      if (socket) on(socket, 'error', (error: Error) => settle({ kind: 'error', error }));
      if (wantReply) on(ws, 'message', (data: RawData) => settle({ kind: 'reply', text: rawText(data) }));
    };
    const life = await waitFirst<Life>(
      untilAt,
      () =>
        ws.readyState === WebSocket.OPEN
          ? wantReply
            ? { kind: 'timeout', limitMs: Math.round(untilAt - sentAt) }
            : { kind: 'open' }
          : { kind: 'closed', reason: '', afterMs: Math.round(performance.now() - openedAt) },
      arm,
    );
    if (life.kind !== 'closed' || life.code !== undefined) return life;
    // Closing was under way at the window's end: wait (within the hard end) for the code.
    return waitFirst<Life>(this.hardEndAt, () => life, arm);
  }

  private async lifeVerdict(life: Life): Promise<Verdict> {
    const status = 101;
    switch (life.kind) {
      case 'closed': {
        const code = life.code;
        const reason = life.reason ? ` (reason ${JSON.stringify(excerpt(life.reason, 120))})` : '';
        return {
          outcome: Outcome.CLOSED,
          status,
          ...(code !== undefined ? { closeCode: code } : {}),
          message:
            `the server accepted the WebSocket (101), then closed it after ${life.afterMs} ms` +
            `${code !== undefined ? ` with code ${code}` : ''}${reason}: ${closeCodeHint(code)}. Check: ${OUTCOME_RUNBOOK.closed.check}`,
        };
      }
      case 'error': {
        const { code } = outcomeForError(life.error);
        return {
          outcome: Outcome.RESET,
          status,
          ...(code ? { errorCode: code } : {}),
          message: `the connection failed after the WebSocket was accepted (${describeError(life.error)}). Check: ${OUTCOME_RUNBOOK.reset.check}`,
        };
      }
      case 'timeout': {
        const deadline = new DeadlineError('round-trip reply', life.limitMs);
        return {
          outcome: Outcome.TIMEOUT,
          status,
          errorCode: deadline.code,
          message: `${deadline.message}. Check: the consumer's receive() handler, the channel layer (e.g. Redis) and the workers`,
        };
      }
      case 'open':
      case 'reply':
        // Not failures; callers handle them before asking for a verdict.
        return { outcome: Outcome.ERROR, status, message: `probe bug: no verdict for ${life.kind}` };
    }
  }

  /** Send a close frame and give the server a moment to answer it; then destroy the socket regardless. */
  private async closeCleanly(ws: WebSocket): Promise<void> {
    const grace = Math.min(CLOSE_GRACE_MS, this.hardEndAt - performance.now());
    if (grace > 0 && ws.readyState !== WebSocket.CLOSED) {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'synthmon probe done');
      await waitFirst(performance.now() + grace, () => undefined, ({ settle, on }) => on(ws, 'close', () => settle(undefined)));
    }
    ws.terminate();
  }
}

interface Arm<T> {
  /** Settle with this value (the first call wins). */
  readonly settle: (value: T) => void;
  /** Listen until the wait settles. */
  readonly on: (emitter: EventEmitter, event: string, listener: (...args: never[]) => void) => void;
  /** A timer that is cleared when the wait settles. */
  readonly after: (ms: number, fn: () => void) => void;
}

/**
 * The one settle path for every wait: the first event (or the deadline at `untilAt`, a
 * performance.now() time) settles it, and settling removes every listener and timer it added.
 */
function waitFirst<T>(untilAt: number, onDeadline: () => T, arm: (a: Arm<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const undo: Array<() => void> = [];
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      for (const u of undo) u();
      fn();
    };
    const settle = (value: T) => finish(() => resolve(value));
    const after = (ms: number, fn: () => void) => {
      const timer = setTimeout(fn, Math.max(0, ms));
      undo.push(() => clearTimeout(timer));
    };
    after(untilAt - performance.now(), () => {
      let value: T;
      try {
        value = onDeadline();
      } catch (err) {
        finish(() => reject(err));
        return;
      }
      settle(value);
    });
    const on: Arm<T>['on'] = (emitter, event, listener) => {
      const fn = listener as (...args: unknown[]) => void;
      emitter.on(event, fn);
      undo.push(() => emitter.off(event, fn));
    };
    try {
      arm({ settle, on, after });
    } catch (err) {
      finish(() => reject(err));
    }
  });
}

function statusVerdict(response: UpgradeResponse): Verdict {
  const { status, headers } = response;
  const outcome = outcomeForStatus(status);
  const base = { outcome, status, response };
  let what: string;
  let check: string = OUTCOME_RUNBOOK[outcome].check;
  if (status === 200) {
    what = 'HTTP 200 instead of 101 Switching Protocols: the upgrade was answered as a plain HTTP request';
    check = 'the proxy forwards Upgrade/Connection on the WebSocket route and sends the path to the ASGI server (daphne), not the HTTP app';
  } else if (status >= 300 && status < 400) {
    what = `HTTP ${status} redirect instead of 101 (Location: ${headers.location ?? 'none'})`;
  } else if (status === 400 || status === 426) {
    what = `HTTP ${status} instead of 101: the backend saw a plain GET, so the proxy is not forwarding the Upgrade/Connection headers`;
    check = "the header-forwarding middleware on the proxy's WebSocket routes (Traefik), and that the route points at the ASGI server";
  } else if (status === 401) {
    what = `HTTP 401 on the upgrade${headers['www-authenticate'] ? ` (WWW-Authenticate: ${headers['www-authenticate']})` : ''}`;
  } else if (outcome === Outcome.UNEXPECTED_STATUS) {
    what = `HTTP ${status} instead of 101 Switching Protocols`;
  } else {
    what = `HTTP ${status} on the upgrade`;
  }
  return { ...base, message: `${what}. Check: ${check}` };
}

function closeCodeHint(code: number | undefined): string {
  if (code === undefined) return 'the server started closing the connection';
  if (code >= 4000 && code <= 4999) {
    return (
      `application close code ${code}: the consumer rejected the connection after accept(), ` +
      (code === 4001 || code === 4003 ? 'most likely its authentication (token missing, invalid or not read from the query string)' : 'see its close() call')
    );
  }
  const known: Record<number, string> = {
    1000: 'normal closure: the consumer closed right after accept()',
    1001: 'going away: the server or proxy is restarting or shutting down',
    1006: 'dropped without a close frame: the proxy or server cut the connection (idle timeout, crash)',
    1008: 'policy violation: the server rejected the message or the client',
    1011: 'internal error: an exception in the consumer',
    1012: 'service restart',
    1013: 'try again later: the server is overloaded',
  };
  return known[code] ?? `close code ${code}`;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return a === b;
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function excerpt(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const text = err.message || (err instanceof AggregateError ? err.errors.map((e) => describeError(e)).join('; ') : '') || err.name;
  const full = typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
  return excerpt(full, 300);
}
