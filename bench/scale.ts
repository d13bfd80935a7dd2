/**
 * Scale: many checks at once in one process (peak RSS, handles left open afterwards) and a long run
 * of sequential probes (RSS growth after GC). Both run in a child process so that the backend (in
 * the parent) and the other benchmarks do not count in the numbers; the child reports one JSON line.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseCheck, type Check } from '../contracts/config';
import { runCheck } from '../lambda/run-check';
import type { Backend } from './backend';
import { MB } from './stats';

const RESULT_PREFIX = 'BENCH_RESULT ';

export interface ConcurrencyResult {
  readonly checks: number;
  readonly ok: number;
  readonly outcomes: Record<string, number>;
  readonly peakRssMb: number;
  /** RSS before the burst (modules loaded, nothing probed yet). */
  readonly baselineRssMb: number;
  readonly wallMs: number;
  /** Handles open after every check returned that were not open before, by type. */
  readonly leaked: Record<string, number>;
  readonly leakedHandles: number;
}

export interface SoakResult {
  readonly probes: number;
  readonly ok: number;
  readonly rssBeforeMb: number;
  readonly rssAfterMb: number;
  readonly rssGrowthMb: number;
  readonly heapGrowthMb: number;
  readonly gcEvery: number;
  /** RSS after each tenth of the probes. */
  readonly checkpointsMb: readonly number[];
  readonly wallMs: number;
}

interface ChildTarget {
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly ca: string;
}

function targetFromEnv(): ChildTarget {
  const { BENCH_WS_URL, BENCH_HTTP_URL, BENCH_CA } = process.env;
  if (!BENCH_WS_URL || !BENCH_HTTP_URL || !BENCH_CA) throw new Error('Environment variables BENCH_WS_URL, BENCH_HTTP_URL and BENCH_CA are required');
  return { wsUrl: BENCH_WS_URL, httpUrl: BENCH_HTTP_URL, ca: BENCH_CA };
}

/** Active handles and requests by type (process.getActiveResourcesInfo). */
function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

function diffCounts(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, n] of after) {
    const extra = n - (before.get(type) ?? 0);
    if (extra > 0) out[type] = extra;
  }
  return out;
}

const rssMb = () => process.memoryUsage.rss() / MB;

/** Child: `checks` checks (half WebSocket with the default 1 s settle, half HTTP) started at once. */
export async function concurrencyChild(checks: number): Promise<ConcurrencyResult> {
  const target = targetFromEnv();
  const list: Check[] = Array.from({ length: checks }, (_, i) =>
    i % 2 === 0
      ? parseCheck({ name: `ws-${i}`, kind: 'websocket', url: target.wsUrl, settleMs: 1000 })
      : parseCheck({ name: `http-${i}`, kind: 'http', url: target.httpUrl }),
  );
  // Let start-up work (module init, JIT) finish so the baseline is the idle process.
  await sleep(50);
  const baselineRssMb = rssMb();
  const before = resourceCounts();
  let peak = baselineRssMb;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 5);
  const t0 = performance.now();
  const results = await Promise.all(list.map((check) => runCheck(check, { ca: target.ca })));
  const wallMs = performance.now() - t0;
  clearInterval(sampler);
  // A probe promises that nothing it opened outlives its result. Counted after two turns of the
  // event loop only, so callbacks already queued when the last result arrived (setImmediate) do
  // not count as open handles; a socket, server or timer still open does.
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  const leaked = diffCounts(before, resourceCounts());
  const outcomes: Record<string, number> = {};
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  return {
    checks,
    ok: results.filter((r) => r.ok).length,
    outcomes,
    peakRssMb: Math.max(peak, maxRssMb),
    baselineRssMb,
    wallMs,
    leaked,
    leakedHandles: Object.values(leaked).reduce((a, b) => a + b, 0),
  };
}

async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the soak needs --expose-gc');
  // Several rounds with turns of the event loop in between, so finalizers and closed handles are reclaimed.
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(20);
  }
}

/**
 * Child (with --expose-gc): `probes` sequential probes, alternating WebSocket (settle 0) and HTTP,
 * with a full GC every `gcEvery` probes.
 *
 * Why the periodic GC: each TLS connection holds native memory (its SecureContext, OpenSSL
 * buffers) behind a small JS wrapper, so V8 sees no pressure and frees it late; glibc then keeps
 * the pages, and a single GC at the end cannot shrink RSS back. Without periodic GC, RSS climbs
 * ~30–70 MB per 1,000 connections for the probe and for a raw `ws` / `undici` client alike (measured
 * while writing this), so that number says nothing about the probe. With it, what remains is what
 * the probe actually keeps.
 */
export async function soakChild(probes: number, warmup: number, gcEvery = 100): Promise<SoakResult> {
  const target = targetFromEnv();
  const ws = parseCheck({ name: 'soak-ws', kind: 'websocket', url: target.wsUrl, settleMs: 0 });
  const http = parseCheck({ name: 'soak-http', kind: 'http', url: target.httpUrl });
  const run = (i: number) => runCheck(i % 2 === 0 ? ws : http, { ca: target.ca, noRetry: true });
  for (let i = 0; i < warmup; i++) await run(i);
  await collect();
  const before = process.memoryUsage();
  let ok = 0;
  const checkpointsMb: number[] = [];
  const every = Math.max(1, Math.floor(probes / 10));
  const t0 = performance.now();
  const gc = (globalThis as { gc?: () => void }).gc!;
  for (let i = 0; i < probes; i++) {
    if ((await run(i)).ok) ok++;
    if ((i + 1) % gcEvery === 0) gc();
    // RSS along the way: a plateau is the allocator's working set, a steady climb a leak.
    if ((i + 1) % every === 0) checkpointsMb.push(rssMb());
  }
  const wallMs = performance.now() - t0;
  await collect();
  const after = process.memoryUsage();
  return {
    probes,
    ok,
    gcEvery,
    checkpointsMb,
    rssBeforeMb: before.rss / MB,
    rssAfterMb: after.rss / MB,
    rssGrowthMb: (after.rss - before.rss) / MB,
    heapGrowthMb: (after.heapUsed - before.heapUsed) / MB,
    wallMs,
  };
}

/** In a child: print the result for the parent. */
export function reportToParent(result: unknown): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/**
 * Run this same benchmark script as a child in `mode`, pointed at the backend; resolves with its
 * result line. Killed after `timeoutMs` so the benchmark always stops by itself.
 */
export function runChild<T>(mode: string, backend: Backend, opts: { nodeFlags?: string[]; timeoutMs: number }): Promise<T> {
  const script = process.argv[1];
  if (!script) throw new Error('cannot tell which script to re-run as a child');
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...(opts.nodeFlags ?? []), script, '--child', mode], {
      env: { ...process.env, BENCH_WS_URL: backend.wsUrl, BENCH_HTTP_URL: backend.httpUrl, BENCH_CA: backend.ca },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
      else reject(new Error(`child "${mode}" ended with ${signal ?? `exit ${code}`}${signal === 'SIGKILL' ? ` after ${opts.timeoutMs} ms` : ''}: ${err.trim().slice(-2000)}`));
    });
  });
}
