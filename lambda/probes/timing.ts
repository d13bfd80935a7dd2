import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Timings } from '../../contracts/result';

const round = (ms: number) => Math.round(ms * 10) / 10;

/** What the attempt is waiting for once connected; names the phase in a timeout message. */
export interface PhaseNames {
  /** Connected (and TLS done), no answer yet: e.g. `response headers`, `WebSocket upgrade response`. */
  readonly waiting: string;
  /** The answer started: e.g. `response body`. */
  readonly reading: string;
}

/** How the attempt reaches the server: whether a lookup and a TLS handshake are phases of it. */
export interface Route {
  /** The host is a name (not an IP literal), so a DNS lookup comes first. */
  readonly needsLookup: boolean;
  readonly secure: boolean;
}

/**
 * Phase timings from socket events (`lookup`, `connect`, `secureConnect`) and the first byte, and
 * the phase the attempt is in (for the timeout message). Only the attempt's own connection is
 * watched (a follow-up connection does not count). dnsMs, connectMs and tlsMs are phase durations;
 * firstByteMs and totalMs are from the start.
 */
export class PhaseClock {
  private readonly t0 = performance.now();
  private watching = false;
  private lookupAt?: number;
  private connectAt?: number;
  private secureAt?: number;
  private firstByteAt?: number;

  constructor(
    private readonly route: Route,
    private readonly names: PhaseNames,
  ) {}

  /** Record this socket's phases (the first socket only). `once` listeners go away with the socket. */
  watch(socket: Socket): void {
    if (this.watching) return;
    this.watching = true;
    socket.once('lookup', () => (this.lookupAt ??= performance.now()));
    socket.once('connect', () => (this.connectAt ??= performance.now()));
    socket.once('secureConnect', () => (this.secureAt ??= performance.now()));
  }

  markFirstByte(): void {
    this.firstByteAt ??= performance.now();
  }

  /** The phase now: `DNS lookup`, `TCP connect`, `TLS handshake`, then the probe's own names. */
  phase(): string {
    if (this.connectAt === undefined) return this.route.needsLookup && this.lookupAt === undefined ? 'DNS lookup' : 'TCP connect';
    if (this.route.secure && this.secureAt === undefined) return 'TLS handshake';
    return this.firstByteAt === undefined ? this.names.waiting : this.names.reading;
  }

  elapsedMs(): number {
    return performance.now() - this.t0;
  }

  /** Timings so far; `totalMs` is measured now (call it in a `finally`). */
  timings(): Timings {
    const t: { -readonly [K in keyof Timings]: Timings[K] } = { totalMs: round(this.elapsedMs()) };
    if (this.lookupAt !== undefined) t.dnsMs = round(this.lookupAt - this.t0);
    if (this.connectAt !== undefined) t.connectMs = round(this.connectAt - (this.lookupAt ?? this.t0));
    if (this.secureAt !== undefined && this.connectAt !== undefined) t.tlsMs = round(this.secureAt - this.connectAt);
    if (this.firstByteAt !== undefined) t.firstByteMs = round(this.firstByteAt - this.t0);
    return t;
  }
}
