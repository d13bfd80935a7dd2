/**
 * The attempt engine every probe runs on (STYLE "one engine, not two"; ws `abortHandshake`):
 *
 * - one deadline per attempt (`timeoutMs`, covering DNS, TCP, TLS, the answer and its body), plus
 *   the time a probe may run past it on purpose (the WebSocket settle window), and a backstop;
 * - connections opened here, with phase timings and the phase a timeout names, and the server's
 *   certificate read on every completed TLS handshake (also one that fails verification);
 * - every socket tracked, destroyed at the end and its 'close' awaited (bounded), after the
 *   probe's own teardown (a clean WebSocket close);
 * - one settle-once failure path: a network failure (thrown as `attempt.fail(err)`, or raised by
 *   work awaited through `attempt.network()`) becomes refused/dns/timeout/tls/reset; anything else
 *   a probe throws is a bug and reads `error` ("probe failed unexpectedly: …"), never `reset`;
 * - the AttemptResult, with timings measured at the finding (in a `finally`), before teardown.
 *
 * A probe supplies only its own protocol: `runAttempt(spec, (attempt) => finding)`.
 */
import type { EventEmitter } from 'node:events';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect, createSecureContext, type SecureContext } from 'node:tls';
import type { Check } from '../../contracts/config';
import { Outcome } from '../../contracts/outcomes';
import type { CertificateInfo, Evidence, Timings } from '../../contracts/result';
import { redact } from '../redact';
import { inspectPeer } from './certificate';
import { DeadlineError, isNetworkError } from './classify';
import { bugFinding, failureFinding, oneLine } from './messages';
import { PhaseClock, type PhaseNames } from './timing';
import type { AttemptOptions, AttemptResult, Finding } from './types';

/** Destroyed sockets close within a tick or two; this only bounds waiting for their 'close'. */
const SOCKET_CLOSE_WAIT_MS = 500;
/**
 * The backstop fires this long after the attempt's hard end, so a probe's own wait on the same
 * deadline (which knows more, e.g. a status already received) settles first.
 */
const BACKSTOP_SLACK_MS = 50;

/** What an attempt is: the check, where it goes, and how its phases are named. */
export interface AttemptSpec {
  readonly check: Pick<Check, 'name' | 'kind' | 'timeoutMs'>;
  readonly options: AttemptOptions;
  /** The URL to reach, token placed. */
  readonly target: URL;
  /** The URL for the result, token masked. */
  readonly displayUrl: string;
  /** Phase names once connected. */
  readonly phases: PhaseNames;
  /** How long the attempt may run past its deadline (the WebSocket settle window). @default 0 */
  readonly extraMs?: number;
}

/** One connection to open. */
export interface ConnectRequest {
  readonly host: string;
  readonly port: number;
  /** SNI. @default - the host, unless it is an IP literal */
  readonly servername?: string;
  /** ALPN protocols offered. @default - none */
  readonly alpn?: string[];
  /** The attempt's own connection (feeds the phase clock and the certificate); false for a follow-up. @default true */
  readonly primary?: boolean;
}

/** A network failure on its way to the attempt's one failure path. */
export class AttemptFailure extends Error {
  constructor(readonly error: unknown) {
    super('attempt failed');
    this.name = 'AttemptFailure';
  }
}

/** What `Attempt.wait` hands its arming function. */
export interface Arm<T> {
  /** Settle with this value (the first call wins). */
  readonly settle: (value: T) => void;
  /** Settle by rejecting. */
  readonly reject: (err: unknown) => void;
  /** Listen until the wait settles; a listener that throws rejects the wait (a bug, not a hang). */
  readonly on: (emitter: EventEmitter, event: string, listener: (...args: never[]) => void) => void;
  /** A timer that is cleared when the wait settles. */
  readonly after: (ms: number, fn: () => void) => void;
}

/** One attempt in progress: what a probe uses to connect, wait and fail. */
export class Attempt {
  readonly clock: PhaseClock;
  /** The answer (and its body) must be complete by here: performance.now() time. */
  readonly deadlineAt: number;
  /** Nothing may run past this: the deadline plus `extraMs`. */
  readonly hardEndAt: number;
  readonly timeoutMs: number;
  readonly secure: boolean;
  /** The leaf certificate of the attempt's own TLS handshake, once it completed. */
  certificate?: CertificateInfo;
  /** The status of the response whose head arrived (HTTP), so a later failure names the body phase. */
  answered?: number;
  private readonly token: string | undefined;
  /** Sockets whose 'close' has not been emitted yet (their handle may still be open). */
  private readonly sockets = new Set<Socket>();
  private readonly teardown: Array<() => unknown> = [];

  constructor(private readonly spec: AttemptSpec) {
    const now = performance.now();
    this.timeoutMs = spec.check.timeoutMs;
    this.deadlineAt = now + this.timeoutMs;
    this.hardEndAt = this.deadlineAt + (spec.extraMs ?? 0);
    this.secure = spec.target.protocol === 'https:' || spec.target.protocol === 'wss:';
    this.token = spec.options.token || undefined;
    const host = spec.target.hostname.replace(/^\[(.*)\]$/, '$1');
    this.clock = new PhaseClock({ needsLookup: isIP(host) === 0, secure: this.secure }, spec.phases);
  }

  /**
   * Open a TCP or TLS connection, tracked until closed. `onReady` is called once: when the socket
   * can carry the request (TLS: handshake done and certificate verified), or with the error.
   * Nothing written before then leaves the process: a TLS socket stays corked until verified.
   */
  connect(req: ConnectRequest, onReady?: (err: Error | null, socket: Socket) => void): Socket {
    const { ca, lookup } = this.spec.options;
    const primary = req.primary ?? true;
    const common = { host: req.host, port: req.port, ...(lookup ? { lookup } : {}) };
    let pending = onReady;
    const ready = (err: Error | null) => {
      const cb = pending;
      pending = undefined;
      cb?.(err, socket);
    };
    let socket: Socket;
    if (this.secure) {
      const servername = req.servername ?? (isIP(req.host) ? undefined : req.host);
      const tlsSocket = tlsConnect({
        ...common,
        ...(servername ? { servername } : {}),
        ...(req.alpn ? { ALPNProtocols: req.alpn } : {}),
        secureContext: secureContextFor(ca),
        // Verified by hand below, after the certificate is read (see ./certificate.ts).
        rejectUnauthorized: false,
      });
      tlsSocket.cork();
      tlsSocket.once('secureConnect', () => {
        const { certificate, refusal } = inspectPeer(tlsSocket, servername ?? req.host);
        if (primary) this.certificate ??= certificate;
        if (refusal) {
          tlsSocket.destroy(refusal);
          return;
        }
        tlsSocket.uncork();
        ready(null);
      });
      socket = tlsSocket;
    } else {
      socket = netConnect(common);
      socket.once('connect', () => ready(null));
    }
    this.sockets.add(socket);
    // Not `socket.closed`: that turns true at destroy(), while the handle closes a tick later.
    socket.once('close', () => this.sockets.delete(socket));
    if (primary) this.clock.watch(socket);
    socket.setNoDelay(true);
    // Stays attached for the socket's life: a late error on a socket we destroyed must not become
    // an uncaught 'error' event, whoever else listens.
    socket.on('error', (err) => ready(err));
    socket.once('close', () => ready(new Error('socket closed while connecting')));
    return socket;
  }

  /** The deadline as an error naming the phase the attempt is in. */
  deadline(phase = this.clock.phase()): DeadlineError {
    return new DeadlineError(phase, this.timeoutMs);
  }

  /** A network failure, to throw: `throw attempt.fail(err)` ends the attempt through the one failure path. */
  fail(err: unknown): AttemptFailure {
    return err instanceof AttemptFailure ? err : new AttemptFailure(err);
  }

  /**
   * The first of several events, or `onDeadline()` at `untilAt` (a performance.now() time).
   * Settling removes every listener and timer the wait added.
   */
  wait<T>(untilAt: number, onDeadline: () => T, arm: (a: Arm<T>) => void): Promise<T> {
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
      const fail = (err: unknown) => finish(() => reject(err));
      const guarded =
        (fn: (...args: unknown[]) => void) =>
        (...args: unknown[]) => {
          try {
            fn(...args);
          } catch (err) {
            fail(err);
          }
        };
      const after = (ms: number, fn: () => void) => {
        const timer = setTimeout(guarded(fn), Math.max(0, ms));
        undo.push(() => clearTimeout(timer));
      };
      after(untilAt - performance.now(), () => settle(onDeadline()));
      const on: Arm<T>['on'] = (emitter, event, listener) => {
        const fn = guarded(listener as (...args: unknown[]) => void);
        emitter.on(event, fn);
        undo.push(() => emitter.off(event, fn));
      };
      try {
        arm({ settle, reject: fail, on, after });
      } catch (err) {
        fail(err);
      }
    });
  }

  /**
   * Await network work within the deadline. Its network failure, or the deadline, is thrown as an
   * AttemptFailure; any other error (a bug in the work) is rethrown as is. The work goes on after
   * a deadline until teardown aborts it; its late rejection is expected and ignored.
   */
  network<T>(work: Promise<T>, untilAt = this.deadlineAt): Promise<T> {
    work.catch(() => undefined);
    return this.wait<T>(
      untilAt,
      () => {
        throw this.fail(this.deadline());
      },
      ({ settle, reject }) => {
        work.then(settle, (err: unknown) => reject(isNetworkError(err) ? this.fail(err) : err));
      },
    );
  }

  /** Run `fn` at teardown, before the sockets are destroyed (it must bound its own waiting). */
  onRelease(fn: () => unknown): void {
    this.teardown.push(fn);
  }

  /** Server text with the token masked. */
  redact(text: string): string {
    return redact(text, this.token);
  }

  /** Server text for a message: the token masked FIRST, then one line cut to `max` characters. */
  excerpt(text: string, max: number): string {
    return oneLine(this.redact(text), max);
  }

  /** True when the attempt carries a token. */
  get hasToken(): boolean {
    return this.token !== undefined;
  }

  /** The token-masking function, for the message builder. */
  readonly mask = (text: string): string => this.redact(text);

  /** The probe's teardown, then every socket destroyed; waits (bounded) until they are closed. */
  async release(): Promise<void> {
    await Promise.allSettled(this.teardown.splice(0).map((fn) => Promise.resolve().then(fn)));
    const open = [...this.sockets];
    for (const s of open) s.destroy();
    if (!open.length) return;
    let left = open.length;
    await this.wait(
      performance.now() + SOCKET_CLOSE_WAIT_MS,
      () => undefined,
      ({ settle, on }) => {
        for (const s of open) on(s, 'close', () => --left === 0 && settle(undefined));
      },
    );
  }

  /** The finding of `body`, settled once: its own, the failure path's, the bug path's or the backstop's. */
  settle(body: (attempt: Attempt) => Promise<Finding>): Promise<Finding> {
    return new Promise<Finding>((resolve) => {
      let open = true;
      const done = (finding: Finding) => {
        if (!open) return;
        open = false;
        clearTimeout(backstop);
        resolve(finding);
      };
      const mask = this.mask;
      const failed = (err: unknown) =>
        done(
          err instanceof AttemptFailure
            ? failureFinding(err.error, { certificate: this.certificate, mask, ...(this.answered !== undefined ? { status: this.answered } : {}) })
            : bugFinding(err, mask),
        );
      // Every wait of a probe has its own bound; this one holds even if a probe forgot one.
      const backstop = setTimeout(() => failed(this.fail(this.deadline())), this.hardEndAt - performance.now() + BACKSTOP_SLACK_MS);
      let running: Promise<Finding>;
      try {
        running = body(this);
      } catch (err) {
        running = Promise.reject(err);
      }
      running.then(done, failed);
    });
  }
}

/**
 * Run one attempt: the probe's `body` reaches a finding (or fails), timings are taken at the
 * finding, then everything the attempt opened is torn down. Never throws.
 */
export async function runAttempt(spec: AttemptSpec, body: (attempt: Attempt) => Promise<Finding>): Promise<AttemptResult> {
  const startedAt = new Date().toISOString();
  const attempt = new Attempt(spec);
  let finding: Finding;
  let timings: Timings;
  try {
    finding = await attempt.settle(body);
  } finally {
    // Measured at the finding: the teardown below is ours, not the endpoint's.
    timings = attempt.clock.timings();
    await attempt.release();
  }
  const evidence: Evidence | undefined = finding.evidence && Object.keys(finding.evidence).length ? finding.evidence : undefined;
  return {
    check: spec.check.name,
    kind: spec.check.kind,
    url: spec.displayUrl,
    ok: finding.outcome === Outcome.OK,
    outcome: finding.outcome,
    ...(finding.status !== undefined ? { status: finding.status } : {}),
    ...(finding.cause !== undefined ? { cause: finding.cause } : {}),
    ...(finding.closeCode !== undefined ? { closeCode: finding.closeCode } : {}),
    message: attempt.redact(finding.message),
    timings,
    ...(attempt.certificate ? { certificate: attempt.certificate } : {}),
    startedAt,
    ...(evidence ? { evidence } : {}),
  };
}

/**
 * One TLS context per trust store, shared by every attempt: building one parses the whole CA store
 * (~0.2 ms of CPU and ~40 KB each), which 500 concurrent checks would otherwise pay 500 times.
 * Client sessions are not resumed across attempts (no `session` is passed), so each handshake is
 * a full one with its own certificate.
 */
const secureContexts = new Map<unknown, SecureContext>();
function secureContextFor(ca: AttemptOptions['ca']): SecureContext {
  let context = secureContexts.get(ca);
  if (!context) {
    context = createSecureContext(ca !== undefined ? { ca } : {});
    // Bounded: tests pass a few CAs, production none.
    if (secureContexts.size >= 16) secureContexts.clear();
    secureContexts.set(ca, context);
  }
  return context;
}
