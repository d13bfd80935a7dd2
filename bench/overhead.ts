/**
 * Probe overhead: the probe's WSS handshake (settle 0) against a raw `ws` client doing the same
 * handshake and clean close, and the probe's HTTPS call against a raw `undici.request` on a fresh
 * connection, all against the same loopback TLS server, interleaved so that drift (CPU frequency,
 * other processes on the 2 shared cores) hits all four series alike.
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { parseCheck, type Check } from '../contracts/config';
import { runCheck } from '../lambda/probes/confirm';
import type { Backend } from './backend';
import { median, quantile, seededRandom } from './stats';

export interface OverheadResult {
  readonly samples: number;
  readonly ws: Series;
  readonly http: Series;
}

export interface Series {
  /** Median ms of the probe. */
  readonly probeMs: number;
  /** Median ms of the raw client. */
  readonly rawMs: number;
  /** probeMs / rawMs. */
  readonly ratio: number;
  readonly probeP90Ms: number;
  readonly rawP90Ms: number;
}

/** The same handshake the probe makes, by hand: upgrade with the target's own Origin and the token, then a clean close. */
export function rawWebSocket(url: string, ca: string, origin: string, token: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const target = new URL(url);
    target.searchParams.set('token', token);
    const ws = new WebSocket(target, { ca, origin, perMessageDeflate: false });
    ws.once('open', () => ws.close(1000));
    ws.once('close', () => resolve());
    ws.once('error', reject);
  });
}

/** One GET on a fresh connection (the probe also opens one per attempt), body read, connection closed. */
export async function rawHttp(url: string, ca: string, token: string): Promise<void> {
  const agent = new Agent({ connect: { ca } });
  try {
    const res = await request(url, { dispatcher: agent, headers: { authorization: `Token ${token}`, accept: 'application/json' } });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`raw request got HTTP ${res.statusCode}`);
  } finally {
    await agent.close();
  }
}

export function benchChecks(backend: Backend): { ws: Check; http: Check } {
  return {
    ws: parseCheck({ name: 'bench-ws', kind: 'websocket', url: backend.wsUrl, settleMs: 0, timeoutMs: 10_000, auth: {} }),
    http: parseCheck({ name: 'bench-http', kind: 'http', url: backend.httpUrl, timeoutMs: 10_000, auth: {} }),
  };
}

async function probeOnce(check: Check, ca: string, token: string): Promise<void> {
  const result = await runCheck(check, { ca, token, noRetry: true });
  if (!result.ok) throw new Error(`benchmark probe of ${check.name} failed: ${result.outcome} ${result.message}`);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** `samples` measurements of each of the four, after `warmup` unmeasured rounds. */
function shuffle<T>(items: readonly T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export async function measureOverhead(backend: Backend, opts: { samples: number; warmup: number; seed?: number }): Promise<OverheadResult> {
  const { ws, http } = benchChecks(backend);
  const origin = `https://127.0.0.1:${backend.port}`;
  const tasks = {
    wsProbe: () => probeOnce(ws, backend.ca, backend.token),
    wsRaw: () => rawWebSocket(backend.wsUrl, backend.ca, origin, backend.token),
    httpProbe: () => probeOnce(http, backend.ca, backend.token),
    httpRaw: () => rawHttp(backend.httpUrl, backend.ca, backend.token),
  };
  const names = Object.keys(tasks) as (keyof typeof tasks)[];
  const times: Record<keyof typeof tasks, number[]> = { wsProbe: [], wsRaw: [], httpProbe: [], httpRaw: [] };
  const rng = seededRandom(opts.seed ?? 1);
  for (let i = 0; i < opts.warmup + opts.samples; i++) {
    // A fresh random order each round: a fixed (even rotated) cycle would always put the same task
    // after the same other one, and the leftovers of one (server-side teardown, GC) would bias the next.
    for (const name of shuffle(names, rng)) {
      const ms = await timed(tasks[name]);
      if (i >= opts.warmup) times[name].push(ms);
    }
  }
  const series = (probe: number[], raw: number[]): Series => ({
    probeMs: median(probe),
    rawMs: median(raw),
    ratio: median(probe) / median(raw),
    probeP90Ms: quantile(probe, 0.9),
    rawP90Ms: quantile(raw, 0.9),
  });
  return { samples: opts.samples, ws: series(times.wsProbe, times.wsRaw), http: series(times.httpProbe, times.httpRaw) };
}
