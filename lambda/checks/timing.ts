import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Timings } from '../../contracts/result';

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Phase timings from socket events (`lookup`, `connect`, `secureConnect`) and the first byte.
 * dnsMs, connectMs and tlsMs are phase durations; firstByteMs and totalMs are from the start.
 */
export class PhaseClock {
  private readonly t0 = performance.now();
  private lookupAt?: number;
  private connectAt?: number;
  private secureAt?: number;
  private firstByteAt?: number;

  /** Record this socket's phases. `once` listeners go away with the socket. */
  watch(socket: Socket): void {
    socket.once('lookup', () => (this.lookupAt ??= performance.now()));
    socket.once('connect', () => (this.connectAt ??= performance.now()));
    socket.once('secureConnect', () => (this.secureAt ??= performance.now()));
  }

  markFirstByte(): void {
    this.firstByteAt ??= performance.now();
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
