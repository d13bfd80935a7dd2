/**
 * The runner at run time, against one loopback backend and CloudWatch recorder: probe overhead
 * against raw clients, one shard invocation of 500 checks (child processes), and a soak.
 */
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { startCloudWatchRecorder } from '../../test/support/cloudwatch-recorder';
import { startBackend } from '../backend';
import type { BenchSection } from '../context';
import { measureOverhead, type OverheadResult } from '../overhead';
import { fmt, log, section } from '../print';
import { runChild, type RunnerResult, type SoakResult } from '../scale';
import { median } from '../stats';

export const SHARD_CHECKS = 500;
const RUNNER_RUNS = 3;
const SOAK_PROBES = 10_000;

/** The runner children summarized: medians over the runs (handles and failures: the worst run). */
export interface RunnerSummary {
  readonly checks: number;
  readonly peakRssMb: number;
  readonly peakRssWarmMb: number;
  readonly wallOverSlowestMs: number;
  readonly warmWallOverSlowestMs: number;
  readonly leakedHandles: number;
  /** Checks that did not report ok in the worst invocation (the backend is healthy: must be 0). */
  readonly failed: number;
}

export interface RuntimeFound {
  readonly overhead: OverheadResult;
  readonly runner: RunnerSummary;
  readonly soak: SoakResult;
}

/** Prints its own headings: probe overhead, runner, soak. */
export const runtimeSection: BenchSection<'runtime', RuntimeFound> = {
  key: 'runtime',
  async run({ quick }) {
    const backend = await startBackend();
    const recorder = await startCloudWatchRecorder();
    // The runner children trust the backend's CA the way Lambda trusts a CA: NODE_EXTRA_CA_CERTS.
    const caFile = join(tmpdir(), `synthmon-bench-ca-${process.pid}.pem`);
    try {
      section('probe overhead (loopback TLS, interleaved, medians)');
      const overhead = await measureOverhead(backend, quick ? { samples: 40, warmup: 5 } : { samples: 250, warmup: 25 });
      for (const [kind, s] of [
        ['wss', overhead.ws],
        ['https', overhead.http],
      ] as const) {
        log(
          `${kind}: probe ${fmt(s.probeMs)} ms vs raw ${fmt(s.rawMs)} ms → ×${fmt(s.ratio, 3)} (p90 ${fmt(s.probeP90Ms)} vs ${fmt(s.rawP90Ms)} ms, n=${overhead.samples})`,
        );
      }

      section(`runner: one shard invocation of ${SHARD_CHECKS} checks (createRunner, real CloudWatch client → loopback recorder; child process)`);
      log(
        `half WebSocket (1 s settle), half HTTP, each with a token; the CA trusted through NODE_EXTRA_CA_CERTS; ` +
          `load average now ${loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')} (wall times are CPU-bound: read them against it)`,
      );
      // Three children, the median of each figure: the machine is shared, a single run is noisy.
      writeFileSync(caFile, backend.ca);
      const runs: RunnerResult[] = [];
      for (let i = 0; i < (quick ? 1 : RUNNER_RUNS); i++) {
        const run = await runChild<RunnerResult>(`runner:${SHARD_CHECKS}`, backend, {
          timeoutMs: 180_000,
          cloudWatchUrl: recorder.endpoint,
          extraCaCertsFile: caFile,
        });
        runs.push(run);
        for (const [name, inv] of [
          ['cold', run.cold],
          ['warm', run.warm],
        ] as const) {
          log(
            `#${i + 1} ${name}: ok ${inv.ok}/${run.checks}; invocation ${fmt(inv.wallMs, 0)} ms, slowest check ${fmt(inv.slowestCheckMs, 0)} ms → ` +
              `+${fmt(inv.wallOverSlowestMs, 0)} ms (last attempt started after ${fmt(inv.lastStartMs, 0)} ms; ${inv.putMetricDataCalls} PutMetricData calls, ` +
              `${inv.datums} datapoints, ${fmt(inv.publishMs, 0)} ms); peak RSS ${fmt(inv.peakRssMb, 0)} MB ` +
              `(at the end: RSS ${fmt(inv.endMemoryMb.rss, 0)}, JS heap ${fmt(inv.endMemoryMb.heapUsed, 0)}, external ${fmt(inv.endMemoryMb.external, 0)} MB)`,
          );
        }
        log(`#${i + 1} RSS before ${fmt(run.baselineRssMb, 0)} MB; handles left open: ${run.leakedHandles} ${JSON.stringify(run.leaked)}`);
      }
      const mid = (f: (r: RunnerResult) => number) => median(runs.map(f));
      const runner: RunnerSummary = {
        checks: runs[0]!.checks,
        peakRssMb: mid((x) => x.cold.peakRssMb),
        peakRssWarmMb: mid((x) => x.warm.peakRssMb),
        wallOverSlowestMs: mid((x) => x.cold.wallOverSlowestMs),
        warmWallOverSlowestMs: mid((x) => x.warm.wallOverSlowestMs),
        leakedHandles: Math.max(...runs.map((x) => x.leakedHandles)),
        failed: Math.max(...runs.flatMap((x) => [x.checks - x.cold.ok, x.checks - x.warm.ok])),
      };
      log(
        `median of ${runs.length}: peak RSS ${fmt(runner.peakRssMb, 0)} MB (after a second invocation ${fmt(runner.peakRssWarmMb, 0)} MB); ` +
          `beyond the slowest check: cold +${fmt(runner.wallOverSlowestMs, 0)} ms, warm +${fmt(runner.warmWallOverSlowestMs, 0)} ms`,
      );

      const soakProbes = quick ? 1000 : SOAK_PROBES;
      section(`soak: ${soakProbes} sequential probes (child process, --expose-gc, full GC every 100)`);
      const soak = await runChild<SoakResult>(`soak:${soakProbes}`, backend, { nodeFlags: ['--expose-gc'], timeoutMs: 900_000 });
      log(
        `ok ${soak.ok}/${soak.probes} in ${fmt(soak.wallMs / 1000, 1)} s; RSS after GC ${fmt(soak.rssBeforeMb, 1)} → ${fmt(soak.rssAfterMb, 1)} MB ` +
          `(${soak.rssGrowthMb >= 0 ? '+' : ''}${fmt(soak.rssGrowthMb, 1)} MB), heap ${soak.heapGrowthMb >= 0 ? '+' : ''}${fmt(soak.heapGrowthMb, 2)} MB`,
      );
      log(`RSS every ${soak.probes / 10} probes: ${soak.checkpointsMb.map((m) => fmt(m, 0)).join(' ')} MB`);
      return { overhead, runner, soak };
    } finally {
      rmSync(caFile, { force: true });
      await Promise.all([backend.close(), recorder.close()]);
    }
  },
};
