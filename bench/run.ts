/**
 * `npm run bench`: probe overhead, Lambda cold start, scale, time to detect and cost, printed as a
 * table and written to bench/results.json. Loopback only, bounded loops, stops by itself in a few
 * minutes. Numbers are ratios against baselines measured in the same run; nothing here asserts a
 * wall-clock limit (the goals are printed next to the numbers).
 *
 *   npm run bench              the full run; writes bench/results.json
 *   npm run bench -- --quick   fewer samples, prints only (for trying changes)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfigFile, parseConfig, type MonitorConfig } from '../contracts/config';
import { estimateCost } from '../lib/cost/estimate';
import { startBackend } from './backend';
import type { ColdStartResult } from './cold-start';
import { simulateMttd, type MttdScenario, type MttdStats } from './mttd';
import { measureOverhead, type OverheadResult } from './overhead';
import { concurrencyChild, reportToParent, runChild, soakChild, type ConcurrencyResult, type SoakResult } from './scale';
import { round } from './stats';

const ROOT = resolve(__dirname, '..');
const CONCURRENT_CHECKS = 500;
const SOAK_PROBES = 10_000;

/** The goals of the design brief, printed beside the numbers. */
const GOALS = {
  overheadRatio: 1.05,
  initMs: 60,
  peakRssMb: 200,
  leakedHandles: 0,
  rssGrowthMb: 20,
  mttdMeanS: 75,
  mttdWorstS: 130,
  costUsd: 1,
} as const;

interface Results {
  readonly wsOverheadRatio: number;
  readonly httpOverheadRatio: number;
  readonly initMs: Record<string, number>;
  readonly bundleBytes: Record<string, number>;
  readonly concurrency: { readonly checks: number; readonly peakRssMb: number; readonly leakedHandles: number };
  readonly soak: { readonly probes: number; readonly rssGrowthMb: number };
  readonly mttd: Record<string, { readonly meanS: number; readonly p95S: number; readonly worstS: number }>;
  readonly costPerCheckMonthUsd: { readonly synthmon: number; readonly cloudwatchSynthetics: number; readonly datadog: number; readonly checkly: number };
}

/** The anchors' setups beside the default: what the default's design buys. */
function mttdScenarios(config: MonitorConfig, raw: { checks: Array<Record<string, unknown>> } & Record<string, unknown>): MttdScenario[] {
  return [
    { name: 'default', config, regression: 'forbidden' },
    {
      // CloudWatch Synthetics-style: a run every minute, no confirmation retry, alarm on 1 of 1.
      name: 'canary1min1of1',
      config: parseConfig({
        ...raw,
        checks: raw.checks.map((c) => ({ ...c, retryDelayMs: 0 })),
        alarms: { failing: { datapointsToAlarm: 1, evaluationPeriods: 1 } },
      }),
      regression: 'forbidden',
    },
    { name: 'check5min', config: parseConfig({ ...raw, intervalMinutes: 5 }), regression: 'forbidden' },
    // A regression without an alarm of its own (only Failing, 2 of 3), and attempts that run to the deadline.
    { name: 'defaultTimeoutRegression', config, regression: 'timeout' },
    // Design option: the function publishes to the alarm topic itself on a confirmed refused/forbidden.
    { name: 'directPageOption', config, regression: 'forbidden', directPage: true },
  ];
}

const pad = (s: string, n: number) => s.padEnd(n);
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
/** No goal (null) prints no verdict: a figure shown for context is not a goal met. */
const verdict = (ok: boolean | null) => (ok === null ? '' : ok ? 'met' : 'MISSED');

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function section(title: string): void {
  log();
  log(`== ${title} ==`);
}

async function main(quick: boolean): Promise<void> {
  const started = Date.now();
  log(`synthmon benchmark — Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}${quick ? ' (quick: not written)' : ''}`);
  const configFile = join(ROOT, 'config', 'default.json');
  const config = loadConfigFile(configFile);
  const raw = JSON.parse(readFileSync(configFile, 'utf8')) as { checks: Array<Record<string, unknown>> } & Record<string, unknown>;

  section('cost (estimateCost of config/default.json)');
  const cost = estimateCost(config);
  const alt = Object.fromEntries(cost.alternatives.map((a) => [a.name, a.usdPerCheckMonth])) as Record<'cloudwatchSynthetics' | 'datadog' | 'checkly', number>;
  log(`per check-month: synthmon $${fmt(cost.perCheckMonthUsd)}, CloudWatch Synthetics $${fmt(alt.cloudwatchSynthetics)}, Datadog $${fmt(alt.datadog)}, Checkly $${fmt(alt.checkly)}`);
  for (const note of cost.notes) log(`  - ${note}`);

  section('time to detect (simulated, seeded)');
  const mttd: Record<string, MttdStats> = {};
  for (const scenario of mttdScenarios(config, raw)) {
    const stats = simulateMttd(scenario, quick ? { trials: 300 } : {});
    mttd[scenario.name] = stats;
    log(
      `${pad(scenario.name, 26)} mean ${fmt(stats.meanS, 1)} s  p95 ${fmt(stats.p95S, 1)} s  worst ${fmt(stats.worstS, 1)} s` +
        `  (undetected ${stats.undetected}, false alarms ${stats.falseAlarms})`,
    );
  }

  // Sensitivity: how much of the default's delay is CloudWatch's ingestion, how much the minute grid.
  const instant = simulateMttd(mttdScenarios(config, raw)[0]!, { ...(quick ? { trials: 300 } : {}), ingestionDelayS: [0, 0] });
  log(`${pad('default, instant ingestion', 26)} mean ${fmt(instant.meanS, 1)} s  p95 ${fmt(instant.p95S, 1)} s  worst ${fmt(instant.worstS, 1)} s  (printed only)`);

  const backend = await startBackend();
  let overhead: OverheadResult;
  let concurrency: ConcurrencyResult;
  let soak: SoakResult;
  try {
    section('probe overhead (loopback TLS, interleaved, medians)');
    overhead = await measureOverhead(backend, quick ? { samples: 40, warmup: 5 } : { samples: 250, warmup: 25 });
    for (const [kind, s] of [['wss', overhead.ws], ['https', overhead.http]] as const) {
      log(`${kind}: probe ${fmt(s.probeMs)} ms vs raw ${fmt(s.rawMs)} ms → ×${fmt(s.ratio, 3)} (p90 ${fmt(s.probeP90Ms)} vs ${fmt(s.rawP90Ms)} ms, n=${overhead.samples})`);
    }

    section(`scale: ${CONCURRENT_CHECKS} checks at once (child process)`);
    concurrency = await runChild<ConcurrencyResult>(`concurrency:${CONCURRENT_CHECKS}`, backend, { timeoutMs: 180_000 });
    log(
      `ok ${concurrency.ok}/${concurrency.checks} ${JSON.stringify(concurrency.outcomes)} in ${fmt(concurrency.wallMs / 1000, 1)} s; ` +
        `RSS ${fmt(concurrency.baselineRssMb, 0)} → peak ${fmt(concurrency.peakRssMb, 0)} MB; handles left open: ${concurrency.leakedHandles} ${JSON.stringify(concurrency.leaked)}`,
    );

    const soakProbes = quick ? 1000 : SOAK_PROBES;
    section(`soak: ${soakProbes} sequential probes (child process, --expose-gc, full GC every 100)`);
    soak = await runChild<SoakResult>(`soak:${soakProbes}`, backend, { nodeFlags: ['--expose-gc'], timeoutMs: 900_000 });
    log(
      `ok ${soak.ok}/${soak.probes} in ${fmt(soak.wallMs / 1000, 1)} s; RSS after GC ${fmt(soak.rssBeforeMb, 1)} → ${fmt(soak.rssAfterMb, 1)} MB ` +
        `(${soak.rssGrowthMb >= 0 ? '+' : ''}${fmt(soak.rssGrowthMb, 1)} MB), heap ${soak.heapGrowthMb >= 0 ? '+' : ''}${fmt(soak.heapGrowthMb, 2)} MB`,
    );
    log(`RSS every ${soak.probes / 10} probes: ${soak.checkpointsMb.map((m) => fmt(m, 0)).join(' ')} MB`);
  } finally {
    await backend.close();
  }

  section('cold start (bundles from the synthesized MonitorStack)');
  // Loaded only here: aws-cdk-lib is heavy, and the scale children (this same script) must not carry it.
  const { measureColdStart } = await import('./cold-start');
  const cold: ColdStartResult = await measureColdStart(config, { projectRoot: ROOT, runs: quick ? 5 : 15, moduleRuns: quick ? 3 : 10 });
  log(`synth ${fmt(cold.synthMs / 1000, 1)} s; empty Node ${cold.nodeVersion} process ${fmt(cold.emptyProcessMs, 1)} ms (median of ${cold.runs})`);
  for (const f of cold.functions) {
    log(
      `${pad(f.name, 16)} ${fmt(f.bundleBytes / 1024, 0)} KiB (+ ${fmt(f.sourceMapBytes / 1024, 0)} KiB map); NODE_OPTIONS="${f.nodeOptions}": ` +
        `init ${fmt(f.deployed.initMs, 1)} ms (require ${fmt(f.deployed.requireMs, 1)} ms, CPU ${fmt(f.deployed.requireCpuMs, 1)} ms); ` +
        `without: init ${fmt(f.withoutNodeOptions.initMs, 1)} ms (CPU ${fmt(f.withoutNodeOptions.requireCpuMs, 1)} ms)`,
    );
  }
  log('each dependency bundled alone (minified CJS), require CPU / wall ms:');
  for (const m of cold.modules) log(`  ${pad(m.module, 34)} ${fmt(m.bytes / 1024, 0).padStart(5)} KiB  CPU ${fmt(m.requireCpuMs, 1).padStart(6)}  wall ${fmt(m.requireMs, 1).padStart(6)}`);
  // Not init, but paid once per container by the first invocation: shown so the moved cost stays visible.
  log('first invocation: lazy chunks required after index.js, in load order, require CPU / wall ms (median):');
  for (const f of cold.functions) {
    const lazy = f.firstInvocation;
    log(`  ${pad(f.name, 16)} total CPU ${fmt(lazy.totalCpuMs, 1)} ms, wall ${fmt(lazy.totalMs, 1)} ms`);
    for (const c of lazy.chunks) log(`    ${pad(c.file, 52)} ${fmt(c.bytes / 1024, 0).padStart(5)} KiB  CPU ${fmt(c.requireCpuMs, 1).padStart(6)}  wall ${fmt(c.requireMs, 1).padStart(6)}`);
  }
  log(`index.js bytes by package: ${cold.bytesByPackage.slice(0, 8).map((p) => `${p.pkg} ${fmt(p.bytes / 1024, 0)} KiB`).join(', ')}`);

  const results: Results = {
    wsOverheadRatio: round(overhead.ws.ratio, 3),
    httpOverheadRatio: round(overhead.http.ratio, 3),
    initMs: Object.fromEntries(cold.functions.map((f) => [f.name, round(f.deployed.initMs, 1)])),
    // The whole deployed code (index.js + lazy chunks), not just what init compiles.
    bundleBytes: Object.fromEntries(cold.functions.map((f) => [f.name, f.assetJsBytes])),
    concurrency: { checks: concurrency.checks, peakRssMb: round(concurrency.peakRssMb, 1), leakedHandles: concurrency.leakedHandles },
    soak: { probes: soak.probes, rssGrowthMb: round(soak.rssGrowthMb, 2) },
    mttd: Object.fromEntries(Object.entries(mttd).map(([name, s]) => [name, { meanS: round(s.meanS, 1), p95S: round(s.p95S, 1), worstS: round(s.worstS, 1) }])),
    costPerCheckMonthUsd: {
      synthmon: round(cost.perCheckMonthUsd, 2),
      cloudwatchSynthetics: round(alt.cloudwatchSynthetics, 2),
      datadog: round(alt.datadog, 2),
      checkly: round(alt.checkly, 2),
    },
  };

  section('summary');
  const d = results.mttd.default!;
  const worstInit = Math.max(...Object.values(results.initMs));
  const rows: Array<[string, string, string, boolean | null]> = [
    ['WSS handshake overhead', `×${fmt(results.wsOverheadRatio, 3)}`, `≤ ×${GOALS.overheadRatio}`, results.wsOverheadRatio <= GOALS.overheadRatio],
    ['HTTPS request overhead', `×${fmt(results.httpOverheadRatio, 3)}`, `≤ ×${GOALS.overheadRatio}`, results.httpOverheadRatio <= GOALS.overheadRatio],
    ['cold start (require bundle)', `${fmt(worstInit, 1)} ms`, `≤ ${GOALS.initMs} ms`, worstInit <= GOALS.initMs],
    ['bundle size (index.js, what init loads)', `${fmt(Math.max(...cold.functions.map((f) => f.bundleBytes)) / 1024, 0)} KiB`, '-', null],
    ['deployed code (index.js + lazy chunks)', `${fmt(Math.max(...Object.values(results.bundleBytes)) / 1024, 0)} KiB`, '-', null],
    ['first invocation lazy load (moved out of init)', `${fmt(Math.max(...cold.functions.map((f) => f.firstInvocation.totalMs)), 1)} ms`, '-', null],
    [`peak RSS, ${CONCURRENT_CHECKS} checks at once`, `${fmt(results.concurrency.peakRssMb, 1)} MB`, `≤ ${GOALS.peakRssMb} MB`, results.concurrency.peakRssMb <= GOALS.peakRssMb],
    ['handles left open after', String(results.concurrency.leakedHandles), `${GOALS.leakedHandles}`, results.concurrency.leakedHandles <= GOALS.leakedHandles],
    [`RSS growth, ${results.soak.probes} probes`, `${fmt(results.soak.rssGrowthMb, 1)} MB`, `≤ ${GOALS.rssGrowthMb} MB`, results.soak.rssGrowthMb <= GOALS.rssGrowthMb],
    ['time to detect, mean (default)', `${fmt(d.meanS, 1)} s`, `≤ ${GOALS.mttdMeanS} s`, d.meanS <= GOALS.mttdMeanS],
    ['time to detect, worst (default)', `${fmt(d.worstS, 1)} s`, `≤ ${GOALS.mttdWorstS} s`, d.worstS <= GOALS.mttdWorstS],
    ['cost per check-month (default)', `$${fmt(results.costPerCheckMonthUsd.synthmon)}`, `≤ $${fmt(GOALS.costUsd)}`, results.costPerCheckMonthUsd.synthmon <= GOALS.costUsd],
  ];
  for (const [what, value, goal, ok] of rows) log(`${pad(what, 46)} ${value.padStart(10)}   goal ${pad(goal, 10)} ${verdict(ok)}`);

  if (!quick) {
    const file = join(ROOT, 'bench', 'results.json');
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    log(`\nwritten ${file}`);
  }
  log(`done in ${fmt((Date.now() - started) / 1000, 0)} s`);
}

async function child(mode: string): Promise<void> {
  const [name, count] = mode.split(':');
  const n = Number(count);
  if (name === 'concurrency') reportToParent(await concurrencyChild(n));
  else if (name === 'soak') reportToParent(await soakChild(n, 200));
  else throw new Error(`unknown child mode ${mode}`);
}

const args = process.argv.slice(2);
const childAt = args.indexOf('--child');
const run = childAt >= 0 ? child(args[childAt + 1] ?? '') : main(args.includes('--quick'));
run.then(
  // Exit explicitly: a benchmark must stop by itself even if something it loaded keeps a handle.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
