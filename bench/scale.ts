/**
 * Scale: one shard invocation of many checks (peak RSS, wall time beyond the slowest check, handles
 * left open afterwards) and a long run of sequential probes (RSS growth after GC). Both run in a
 * child process so that the servers (in the parent) and the other benchmarks do not count in the
 * numbers; the child reports one JSON line.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { parseCheck, parseConfig } from '../contracts/config';
import type { FleetFile } from '../contracts/handler-env';
import { createCloudWatchClient } from '../lambda/metrics/publish';
import { runCheck } from '../lambda/probes/confirm';
import { createRunner } from '../lambda/runner';
import { staticTokenStore } from '../lambda/tokens';
import { BENCH_TOKEN, type Backend } from './backend';
import { largeFleetConfig } from './fleet';
import { MB } from './stats';

const RESULT_PREFIX = 'BENCH_RESULT ';

/** One invocation of the shard. */
export interface InvocationTiming {
  readonly ok: number;
  readonly outcomes: Record<string, number>;
  /** The whole invocation: event in, every result probed, published and logged. */
  readonly wallMs: number;
  /** The slowest check's own totalMs (its settle window included). */
  readonly slowestCheckMs: number;
  /** wallMs − slowestCheckMs: what running all checks in one invocation adds (docs/DESIGN.md#stacks-that-scale: "a little"). */
  readonly wallOverSlowestMs: number;
  /** Latest attempt start after the invocation began: how long the last check waited for its turn. */
  readonly lastStartMs: number;
  /** Time spent in PutMetricData (SDK serialization, gzip, loopback round trips). */
  readonly publishMs: number;
  readonly putMetricDataCalls: number;
  readonly datums: number;
  /** Highest RSS from the first invocation's start to this one's end (sampled every 5 ms, and maxRSS). */
  readonly peakRssMb: number;
  /** At the end of the invocation, before any collection: what of it is JS heap, what native (TLS, buffers). */
  readonly endMemoryMb: { readonly rss: number; readonly heapUsed: number; readonly external: number };
}

/** A shard of `checks` checks through createRunner (docs/DESIGN.md#stacks-that-scale): a cold invocation, then a warm one. */
export interface RunnerResult {
  readonly checks: number;
  /** The first invocation of a new container: the probes and the CloudWatch SDK load lazily in it. */
  readonly cold: InvocationTiming;
  /**
   * The next invocation in the same container (most invocations). Its peak RSS includes what the
   * first left for the garbage collector: a frozen Lambda container does not collect in between.
   */
  readonly warm: InvocationTiming;
  /** RSS before the first invocation (runner built, nothing probed or loaded lazily yet). */
  readonly baselineRssMb: number;
  /** Handles open after both invocations that were not open before, by type. */
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
  /** The loopback CloudWatch recorder, when the parent runs one. */
  readonly cloudWatchUrl?: string;
  /** The parent put the CA in this process's NODE_EXTRA_CA_CERTS. */
  readonly caInTrustStore: boolean;
}

function targetFromEnv(): ChildTarget {
  const { BENCH_WS_URL, BENCH_HTTP_URL, BENCH_CA, BENCH_CLOUDWATCH_URL, BENCH_CA_IN_TRUST_STORE } = process.env;
  if (!BENCH_WS_URL || !BENCH_HTTP_URL || !BENCH_CA) throw new Error('Environment variables BENCH_WS_URL, BENCH_HTTP_URL and BENCH_CA are required');
  return {
    wsUrl: BENCH_WS_URL,
    httpUrl: BENCH_HTTP_URL,
    ca: BENCH_CA,
    ...(BENCH_CLOUDWATCH_URL ? { cloudWatchUrl: BENCH_CLOUDWATCH_URL } : {}),
    caInTrustStore: BENCH_CA_IN_TRUST_STORE === '1',
  };
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

function memoryMb(): { rss: number; heapUsed: number; external: number } {
  const m = process.memoryUsage();
  return { rss: m.rss / MB, heapUsed: m.heapUsed / MB, external: m.external / MB };
}

/**
 * Child: one invocation of a shard of `checks` checks, as Lambda runs it: createRunner with the fleet
 * file's shard (half WebSocket with the default 1 s settle window, half HTTP, realistic names, every
 * check with a token from a static store), the real CloudWatch SDK client publishing to the parent's
 * loopback recorder, result lines to stdout. Cold: the probes and the SDK load lazily on this first
 * invocation, as in a new container.
 */
export async function runnerChild(checks: number): Promise<RunnerResult> {
  const target = targetFromEnv();
  if (!target.cloudWatchUrl) throw new Error('Environment variable BENCH_CLOUDWATCH_URL is required');
  const names = largeFleetConfig({ checks }).checks!.map((c) => c.name);
  const config = parseConfig(
    {
      shardMaxChecks: checks,
      checks: names.map((name, i) =>
        i % 2 === 0
          ? { name, kind: 'http', url: target.httpUrl, auth: {} }
          : { name, kind: 'websocket', url: target.wsUrl, settleMs: 1000, auth: {} },
      ),
    },
    'bench runner shard',
  );
  const fleet: FleetFile = {
    version: 1,
    namespace: config.namespace,
    phaseTimings: config.phaseTimings,
    tokens: config.tokens,
    shards: { '60s-0': { intervalSeconds: 60, ticks: 1, checks: config.checks } },
  };
  const client = await createCloudWatchClient({
    config: {
      endpoint: target.cloudWatchUrl,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDBENCHLOCAL', secretAccessKey: 'bench-local-secret' },
    },
  });
  let publishMs = 0;
  let putMetricDataCalls = 0;
  // Times every PutMetricData call; the runner sees the real client otherwise.
  const timed = {
    send: async (command: Parameters<CloudWatchClient['send']>[0]) => {
      const t0 = performance.now();
      try {
        return await client.send(command);
      } finally {
        publishMs += performance.now() - t0;
        putMetricDataCalls++;
      }
    },
  } as unknown as CloudWatchClient;
  const runner = createRunner({
    fleet,
    env: { location: 'eu-west-1' },
    tokens: staticTokenStore({ default: BENCH_TOKEN }),
    // Given the backend's CA in NODE_EXTRA_CA_CERTS, the probes trust it through Node's shared root
    // store, as in Lambda; the `ca` option (the test seam) instead builds a store per connection.
    attemptOptions: target.caInTrustStore ? {} : { ca: target.ca },
    publishClient: timed,
  });
  let peak = 0;
  const invoke = async (): Promise<InvocationTiming> => {
    publishMs = 0;
    putMetricDataCalls = 0;
    const startedAt = Date.now();
    const t0 = performance.now();
    const report = await runner({ shard: '60s-0', scheduledTime: new Date(startedAt).toISOString() });
    const wallMs = performance.now() - t0;
    const results = report.ticks.flatMap((t) => t.results);
    const outcomes: Record<string, number> = {};
    for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const slowestCheckMs = Math.max(...results.map((r) => r.timings.totalMs));
    return {
      ok: results.filter((r) => r.ok).length,
      outcomes,
      wallMs,
      slowestCheckMs,
      wallOverSlowestMs: wallMs - slowestCheckMs,
      lastStartMs: Math.max(...results.map((r) => Date.parse(r.startedAt) - startedAt)),
      publishMs,
      putMetricDataCalls,
      datums: report.ticks.reduce((n, t) => n + t.publish.datums, 0),
      peakRssMb: Math.max(peak, rssMb(), process.resourceUsage().maxRSS / 1024),
      endMemoryMb: memoryMb(),
    };
  };

  // The result lines go to stdout, as in Lambda; its handle (a pipe here) is opened now, before the
  // baseline, so it does not count as left open by the runner.
  process.stdout.write('');
  // Let start-up work (module init, JIT) finish so the baseline is the idle process.
  await sleep(50);
  const baselineRssMb = rssMb();
  const before = resourceCounts();
  peak = baselineRssMb;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 5);
  const cold = await invoke();
  // Lambda's next invocation comes a schedule later; a pause lets the first one's sockets close.
  await sleep(1000);
  const warm = await invoke();
  clearInterval(sampler);
  // The client's keep-alive socket is meant to outlive an invocation (Lambda reuses it); closed
  // here so what remains is what the runner and the probes left open.
  client.destroy();
  // The result lines may still be flowing into a full stdout pipe (a pending write is a handle).
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  // Counted after two turns of the event loop only, so callbacks already queued when the runner
  // returned (setImmediate) do not count as open handles; a socket, server or timer still open does.
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  const leaked = diffCounts(before, resourceCounts());
  return {
    checks,
    cold,
    warm,
    baselineRssMb,
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

/** In a child: print the result for the parent; resolves once the line is written. */
export function reportToParent(result: unknown): Promise<void> {
  // Resolved once written: a pipe the runner's result lines have filled is written asynchronously,
  // and exiting before the callback would lose the line.
  return new Promise((resolve, reject) => {
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Run this same benchmark script as a child in `mode`, pointed at the backend; resolves with its
 * result line. Killed after `timeoutMs` so the benchmark always stops by itself.
 */
export function runChild<T>(
  mode: string,
  backend: Backend,
  opts: { nodeFlags?: string[]; timeoutMs: number; cloudWatchUrl?: string; extraCaCertsFile?: string },
): Promise<T> {
  const script = process.argv[1];
  if (!script) throw new Error('cannot tell which script to re-run as a child');
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...(opts.nodeFlags ?? []), script, '--child', mode], {
      env: {
        ...process.env,
        BENCH_WS_URL: backend.wsUrl,
        BENCH_HTTP_URL: backend.httpUrl,
        BENCH_CA: backend.ca,
        ...(opts.cloudWatchUrl ? { BENCH_CLOUDWATCH_URL: opts.cloudWatchUrl } : {}),
        // Replaces whatever the environment had: the child talks to the loopback servers only.
        ...(opts.extraCaCertsFile ? { NODE_EXTRA_CA_CERTS: opts.extraCaCertsFile, BENCH_CA_IN_TRUST_STORE: '1' } : {}),
      },
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
      else
        reject(
          new Error(
            `child "${mode}" ended with ${signal ?? `exit ${code}`}${signal === 'SIGKILL' ? ` after ${opts.timeoutMs} ms` : ''}: ${err.trim().slice(-2000)}`,
          ),
        );
    });
  });
}
