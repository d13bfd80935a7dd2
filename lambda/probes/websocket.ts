/**
 * The WebSocket probe (docs/DESIGN.md#the-problem, README.md#outcomes, README.md#configuration): one handshake made the way a browser makes it (Origin, token),
 * then a settle window, an optional message round trip and a clean close. A 403 is narrowed by a
 * follow-up handshake that differs only in its Origin. The engine (./attempt.ts) owns the
 * deadline, the connections, the teardown and the failure path; ./messages.ts the wording.
 *
 * After the 101, anything that ends the socket inside the settle window is `closed` (README.md#outcomes):
 * a close frame with its code, or a drop without one (1006) whether the server sent FIN or RST.
 *
 * Messages larger than MAX_MESSAGE_BYTES are not read (a monitor must not buffer 100 MiB, ws's
 * default); ws stops at the frame header and the probe closes the socket (1009). That is not the
 * endpoint's fault: inside the settle window it reads `ok` (the socket was up and delivering), and
 * a round-trip reply that large reads `assertion` (it could not be compared), never a network failure.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import type { WebSocketCheck } from '../../contracts/config';
import { Cause, Outcome } from '../../contracts/outcomes';
import { placeToken, type TokenPlacement } from '../token-placement';
import { runAttempt, type Arm, type Attempt } from './attempt';
import { DeadlineError, errorCode } from './classify';
import { bodyExcerpt, EXCERPT_BYTES, keepHeaders } from './evidence';
import {
  causeMessage,
  closedMessage,
  configurationFinding,
  describeError,
  failureFinding,
  forbiddenUpgradeMessage,
  invalidUpgradeMessage,
  protocolErrorMessage,
  redirectTarget,
  roundTripMessage,
  statusFinding,
  webSocketOkMessage,
} from './messages';
import { MAX_HEADER_BYTES, readAsBrowser } from './interim';
import type { AttemptOptions, AttemptResult, Finding } from './types';
import { USER_AGENT } from '../../contracts/user-agent';

/** Once the status is known the body is only evidence: don't let a trickling body eat the deadline. */
const BODY_GRACE_MS = 1000;
/** How long a clean close may wait for the server's close frame before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;
/** The largest message the probe reads (see the module comment). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Close reasons and replies quoted in a message: masked first, then cut to this. */
const CLOSE_REASON_CHARS = 120;
const REPLY_CHARS = 200;
/** Response headers worth keeping as evidence; never Authorization, Cookie or Set-Cookie. */
const EVIDENCE_HEADERS = new Set([
  'content-type',
  'content-length',
  'server',
  'www-authenticate',
  'location',
  'retry-after',
  'via',
  'upgrade',
  'connection',
]);

const OVERSIZED = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/**
 * What went wrong on a WebSocket, recorded from its creation on by listeners that live as long as
 * it does: a fault may come in the same TCP read as the 101 (before anyone waits for it), and ws
 * emits 'error' after terminate() on a handshake in progress, which must not be thrown.
 */
interface Faults {
  /** The first error ws raised (a frame it refused, a message over the cap). */
  error?: Error;
  /** The socket's own error code (ECONNRESET for an RST), evidence for a drop. */
  socketError?: string;
}

/**
 * Probe one WebSocket endpoint once: handshake (DNS, TCP, TLS, upgrade) within `check.timeoutMs`,
 * then keep the socket open for `check.settleMs`, then the optional round trip, then close.
 * Never throws and never takes longer than `timeoutMs + settleMs` (plus a few ms of cleanup);
 * every timer, listener and socket it made is gone when it returns. The token never appears in the result.
 */
export function probeWebSocket(check: WebSocketCheck, options: AttemptOptions): Promise<AttemptResult> {
  const placed = placeToken(check, options.token);
  return runAttempt(
    {
      check,
      options,
      target: placed.url,
      displayUrl: placed.displayUrl,
      extraMs: check.settleMs,
      phases: { waiting: 'WebSocket upgrade response', reading: 'WebSocket upgrade response' },
    },
    (attempt) => new WebSocketProbe(check, attempt, placed).run(),
  );
}

/** A non-101 answer, already stripped of secrets. */
interface UpgradeResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The raw Location compared with the request, before masking. */
  readonly redirect: ReturnType<typeof redirectTarget>;
}

type Handshake =
  | { readonly kind: 'open'; readonly ws: WebSocket; readonly faults: Faults }
  | { readonly kind: 'response'; readonly response: UpgradeResponse }
  /** `afterUpgrade`: a 101 arrived but was not a valid WebSocket handshake. */
  | { readonly kind: 'failed'; readonly error: unknown; readonly afterUpgrade: boolean }
  | { readonly kind: 'invalid'; readonly error: unknown };

/** What the socket did while it was supposed to stay open. */
type Life =
  | { readonly kind: 'open' }
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string; readonly afterMs: number; readonly socketError?: string }
  | { readonly kind: 'oversized'; readonly afterMs: number }
  | { readonly kind: 'broken'; readonly error: unknown; readonly afterMs: number }
  | { readonly kind: 'reply'; readonly text: string }
  | { readonly kind: 'timeout'; readonly limitMs: number };

class WebSocketProbe {
  private readonly url: string;
  private readonly ownOrigin: string;
  private readonly origin: string;
  private readonly headers: Record<string, string>;
  /** When the 101 arrived: "closed it after N ms" counts from here. */
  private openedAt = 0;

  constructor(
    private readonly check: WebSocketCheck,
    private readonly a: Attempt,
    placed: TokenPlacement,
  ) {
    // A browser on the target's own site would send this; URL.host omits the default port, as browsers do.
    this.ownOrigin = `${a.secure ? 'https' : 'http'}://${placed.url.host}`;
    this.origin = check.origin ?? this.ownOrigin;
    this.headers = { 'User-Agent': USER_AGENT };
    if (placed.header) this.headers[placed.header.name] = placed.header.value;
    this.url = placed.url.toString();
  }

  async run(): Promise<Finding> {
    const first = await this.handshake(this.origin, true);
    switch (first.kind) {
      case 'invalid':
        return configurationFinding('cannot open a WebSocket to this URL', first.error, this.a.mask);
      case 'failed':
        if (first.afterUpgrade && !(first.error instanceof DeadlineError)) {
          const code = errorCode(first.error);
          return {
            outcome: Outcome.UNEXPECTED_STATUS,
            status: 101,
            message: invalidUpgradeMessage(first.error, this.a.mask),
            ...(code ? { evidence: { errorCode: code } } : {}),
          };
        }
        throw this.a.fail(first.error);
      case 'response':
        return first.response.status === 403 ? this.forbiddenFinding(first.response) : this.statusFinding(first.response);
      case 'open':
        return this.openFinding(first.ws, first.faults);
    }
  }

  /** One upgrade request. `primary`: the attempt's own (feeds the clock); false for the origin follow-up. */
  private async handshake(origin: string, primary: boolean): Promise<Handshake> {
    let upgraded = false;
    const faults: Faults = {};
    const options: ClientOptions & { closeTimeout: number; maxHeaderSize: number } = {
      origin,
      headers: this.headers,
      // Offered as every browser offers it, so a server that always answers with it is accepted
      // as a browser accepts it (docs/CONFORMANCE.md); maxPayload caps the inflated size too.
      perMessageDeflate: true,
      maxHeaderSize: MAX_HEADER_BYTES,
      followRedirects: false,
      maxPayload: MAX_MESSAGE_BYTES,
      closeTimeout: CLOSE_GRACE_MS,
      // The engine's connect, not req.on('socket'): that event comes a tick late, after a fast
      // resolver has already answered, and the phase clock would miss the lookup.
      createConnection: ((opts: { host?: string; port?: number | string }) => {
        // The upgrade response read as a browser reads it (obs-fold; lambda/probes/interim.ts); frames after the 101 are untouched.
        const socket = readAsBrowser(this.a.connect({ host: opts.host ?? 'localhost', port: Number(opts.port), primary }));
        // ws turns a socket error (an RST) into a 1006 close, a drop like a FIN (README.md#outcomes); the code is evidence.
        socket.on('error', (error: Error) => (faults.socketError ??= errorCode(error)));
        return socket;
      }) as unknown as ClientOptions['createConnection'],
    };
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, options);
    } catch (error) {
      return { kind: 'invalid', error };
    }
    ws.on('error', (error: Error) => (faults.error ??= error));
    this.a.onRelease(() => this.closeCleanly(ws));

    /** Set once a non-101 answer arrives: the response with the body read so far. */
    let responseSoFar: (() => Handshake) | undefined;
    // Enough that the excerpt is still 2 KB once the token (maybe several times, encoded) is masked.
    const bodyLimit = 4 * EXCERPT_BYTES;
    const deadline = () => (primary ? this.a.deadline() : new DeadlineError('follow-up handshake', this.a.timeoutMs));

    const result = await this.a.wait<Handshake>(
      this.a.deadlineAt,
      () => responseSoFar?.() ?? { kind: 'failed', error: deadline(), afterUpgrade: false },
      ({ settle, on, after }) => {
        on(ws, 'upgrade', () => {
          upgraded = true;
          if (primary) this.a.clock.markFirstByte();
        });
        on(ws, 'open', () => settle({ kind: 'open', ws, faults }));
        on(ws, 'error', (error: Error) => settle({ kind: 'failed', error, afterUpgrade: upgraded }));
        on(ws, 'unexpected-response', (_req: unknown, res: IncomingMessage) => {
          if (primary) this.a.clock.markFirstByte();
          const chunks: Buffer[] = [];
          let bytes = 0;
          const snapshot = (): Handshake => ({
            kind: 'response',
            response: this.cleanResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks)),
          });
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
          after(Math.min(BODY_GRACE_MS, this.a.deadlineAt - performance.now()), done);
        });
      },
    );
    // Anything but an open socket is finished with: abort the request and destroy its socket now,
    // so an unread body or a hung server cannot hold it.
    if (result.kind !== 'open') ws.terminate();
    return result;
  }

  private cleanResponse(status: number, raw: IncomingHttpHeaders, body: Buffer): UpgradeResponse {
    const keep = (name: string) => EVIDENCE_HEADERS.has(name) || name.startsWith('sec-websocket-');
    const headers = keepHeaders(raw, keep, this.a.mask);
    const location = raw.location;
    return {
      status,
      headers,
      body: bodyExcerpt(body.toString('utf8'), this.a.mask),
      redirect: redirectTarget(Array.isArray(location) ? location[0] : location, this.url),
    };
  }

  private statusFinding(response: UpgradeResponse): Finding {
    const { status, headers, body } = response;
    return {
      ...statusFinding({ status, expected: 101, upgrade: true, headers, body, redirect: response.redirect }),
      evidence: evidenceOf(response),
    };
  }

  /**
   * Channels answers 403 both for a rejected Origin and for a consumer that closes before accept().
   * A second handshake that differs only in sending the target's own origin tells them apart.
   */
  private async forbiddenFinding(response: UpgradeResponse): Promise<Finding> {
    const base = { outcome: Outcome.FORBIDDEN, status: 403, evidence: evidenceOf(response) } as const;
    const sent = `HTTP 403 on the upgrade with Origin ${this.origin}`;
    if (sameOrigin(this.origin, this.ownOrigin)) {
      return { ...base, message: forbiddenUpgradeMessage(`${sent} (the target's own origin)`, 'consumer') };
    }
    if (performance.now() >= this.a.deadlineAt) {
      return { ...base, message: forbiddenUpgradeMessage(`${sent}; no time was left for a follow-up with the target's own origin`, 'unknown') };
    }
    const second = await this.handshake(this.ownOrigin, false);
    if (second.kind === 'open') {
      return {
        ...base,
        cause: Cause.ORIGIN_REJECTED,
        message: causeMessage(`${sent}, but 101 with the target's own origin ${this.ownOrigin}`, Cause.ORIGIN_REJECTED),
      };
    }
    if (second.kind === 'response' && second.response.status === 403) {
      return {
        ...base,
        message: forbiddenUpgradeMessage(`${sent}, and also with the target's own origin ${this.ownOrigin}, so not the origin check`, 'consumer'),
      };
    }
    const got = second.kind === 'response' ? `HTTP ${second.response.status}` : 'no answer';
    const detail = second.kind === 'failed' || second.kind === 'invalid' ? describeError(second.error, this.a.mask) : undefined;
    return {
      ...base,
      message: forbiddenUpgradeMessage(`${sent}; the follow-up with the target's own origin ${this.ownOrigin} got ${got}`, 'unknown', detail),
    };
  }

  /** After 101: the settle window, then the round trip. The clean close is teardown. */
  private async openFinding(ws: WebSocket, faults: Faults): Promise<Finding> {
    const status = 101;
    this.openedAt = performance.now();
    const { settleMs, roundTrip: rt } = this.check;
    if (settleMs > 0) {
      const life = await this.watch(ws, faults, performance.now() + settleMs, false);
      if (life.kind === 'oversized') {
        if (!rt)
          return {
            outcome: Outcome.OK,
            status,
            message: webSocketOkMessage({ settleMs, roundTrip: false, oversized: { afterMs: life.afterMs, limitBytes: MAX_MESSAGE_BYTES } }),
          };
        const message = roundTripMessage({ ...rt, oversizedBytes: MAX_MESSAGE_BYTES, beforeSend: true });
        return { outcome: Outcome.ASSERTION, status, message };
      }
      if (life.kind !== 'open') return this.lifeFinding(life);
    }
    if (rt) {
      const sentAt = performance.now();
      ws.send(rt.send);
      const life = await this.watch(ws, faults, this.a.hardEndAt, true, sentAt);
      if (life.kind === 'oversized')
        return { outcome: Outcome.ASSERTION, status, message: roundTripMessage({ ...rt, oversizedBytes: MAX_MESSAGE_BYTES }) };
      if (life.kind !== 'reply') return this.lifeFinding(life);
      const matched = rt.match === 'equals' ? life.text === rt.expect : life.text.includes(rt.expect);
      if (!matched) return { outcome: Outcome.ASSERTION, status, message: roundTripMessage({ ...rt, got: this.a.excerpt(life.text, REPLY_CHARS) }) };
    }
    return { outcome: Outcome.OK, status, message: webSocketOkMessage({ settleMs, roundTrip: !!rt }) };
  }

  /**
   * Wait until `untilAt` for the server to close, the socket to fail or (when `wantReply`) a message.
   * A close frame that arrived just before `untilAt` still counts: ws reports it once the TCP close follows.
   */
  private async watch(ws: WebSocket, faults: Faults, untilAt: number, wantReply: boolean, sentAt = 0): Promise<Life> {
    const since = () => Math.round(performance.now() - this.openedAt);
    /** A fault ws raised (maybe before this wait began) decides what the end of the socket means. */
    const fault = (): Life | undefined =>
      faults.error &&
      (errorCode(faults.error) === OVERSIZED ? { kind: 'oversized', afterMs: since() } : { kind: 'broken', error: faults.error, afterMs: since() });
    const closed = (code: number, reason: string): Life =>
      fault() ?? { kind: 'closed', code, reason, afterMs: since(), ...(faults.socketError ? { socketError: faults.socketError } : {}) };
    const arm = ({ settle, on }: Arm<Life>) => {
      on(ws, 'close', (code: number, reason: Buffer) => settle(closed(code, reason.toString('utf8'))));
      // The Faults listener, added first, has recorded the error already.
      on(ws, 'error', () => settle(fault()!));
      if (wantReply) on(ws, 'message', (data: RawData) => settle({ kind: 'reply', text: rawText(data) }));
    };
    const early = fault();
    if (early) return early;
    const life = await this.a.wait<Life>(
      untilAt,
      () =>
        ws.readyState === WebSocket.OPEN
          ? wantReply
            ? { kind: 'timeout', limitMs: Math.round(untilAt - sentAt) }
            : { kind: 'open' }
          : closed(1006, ''),
      arm,
    );
    if (life.kind !== 'closed' || ws.readyState === WebSocket.CLOSED) return life;
    // Closing was under way at the window's end: wait (within the hard end) for the code.
    return this.a.wait<Life>(this.a.hardEndAt, () => life, arm);
  }

  private lifeFinding(life: Life): Finding {
    const status = 101;
    switch (life.kind) {
      case 'closed': {
        const reason = life.reason ? this.a.excerpt(life.reason, CLOSE_REASON_CHARS) : undefined;
        return {
          outcome: Outcome.CLOSED,
          status,
          closeCode: life.code,
          message: closedMessage({
            afterMs: life.afterMs,
            code: life.code,
            ...(reason ? { reason } : {}),
            ...(life.socketError ? { socketError: life.socketError } : {}),
          }),
          ...(life.socketError ? { evidence: { errorCode: life.socketError } } : {}),
        };
      }
      case 'broken': {
        const code = errorCode(life.error);
        return {
          outcome: Outcome.CLOSED,
          status,
          message: protocolErrorMessage(life.afterMs, life.error, this.a.mask),
          ...(code ? { evidence: { errorCode: code } } : {}),
        };
      }
      case 'timeout':
        // The round trip's own deadline, worded like every timeout, after the 101.
        return { ...failureFinding(new DeadlineError('round-trip reply', life.limitMs), { mask: this.a.mask }), status };
      default:
        // 'open', 'reply' and 'oversized' are not failures; callers handle them first.
        throw new Error(`no finding for ${life.kind}`);
    }
  }

  /** Send a close frame and give the server a moment to answer it (within the hard end); then destroy the socket regardless. */
  private async closeCleanly(ws: WebSocket): Promise<void> {
    const grace = Math.min(CLOSE_GRACE_MS, this.a.hardEndAt - performance.now());
    if (grace > 0 && ws.readyState === WebSocket.OPEN) {
      ws.close(1000, 'synthmon probe done');
      await this.a.wait(
        performance.now() + grace,
        () => undefined,
        ({ settle, on }) => on(ws, 'close', () => settle(undefined)),
      );
    }
    ws.terminate();
  }
}

function evidenceOf(response: UpgradeResponse) {
  return { headers: response.headers, bodyExcerpt: response.body };
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
