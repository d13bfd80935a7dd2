/**
 * The benchmark's main run (see ./run.ts): the sections of bench/sections/index.ts in order (cost,
 * time to detect, the quorum and fast-check confirmation studies, probe overhead, one shard
 * invocation of 500 checks, a soak, the synth of a 1,000-check fleet, and Lambda cold start), then
 * the figures kept in bench/results.json and a summary table against the goals.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../contracts/config';
import { ROOT, type BenchContext, type RawConfig } from './context';
import { GOALS } from './goals';
import { DEFAULT_BLIP_PARAMS, DEFAULT_MTTD_PARAMS } from './mttd';
import { fmt, log, pad, section, stats3, verdict, type Stats3 } from './print';
import { BENCH_SECTIONS, STANDALONE_SECTIONS, type Found } from './sections';
import type { ConfirmationResult } from './sections/confirmation';
import type { QuorumResult } from './sections/quorum';
import type { TimeToPageResult } from './time-to-page';
import { coldStartResults } from './sections/cold-start';
import { SHARD_CHECKS } from './sections/runtime';
import { SCALE_LOCATIONS } from './sections/synth';
import type { SynthScaleResult } from './synth';
import { round } from './stats';

interface Results {
  readonly wsOverheadRatio: number;
  readonly httpOverheadRatio: number;
  readonly initMs: Record<string, number>;
  readonly bundleBytes: Record<string, number>;
  /** Kept for continuity: now the same measurement as `runner` (500 checks in one shard invocation). */
  readonly concurrency: { readonly checks: number; readonly peakRssMb: number; readonly leakedHandles: number };
  readonly soak: { readonly probes: number; readonly rssGrowthMb: number };
  readonly runner: {
    readonly checks: number;
    readonly peakRssMb: number;
    /** The cold (first) invocation: lazy module loading included. */
    readonly wallOverSlowestMs: number;
    readonly warmWallOverSlowestMs: number;
    /** Peak over a cold and a warm invocation: the second starts on the first's uncollected garbage. */
    readonly peakRssAfterSecondInvocationMb: number;
    readonly leakedHandles: number;
  };
  /** The figures of SynthScaleResult that results.json keeps. */
  readonly scale: Pick<
    SynthScaleResult,
    | 'checks'
    | 'synthSeconds'
    | 'stacks'
    | 'maxResourcesPerStack'
    | 'maxTemplateBytes'
    | 'maxOutputsPerStack'
    | 'dashboardWidgets'
    | 'functions'
    | 'roles'
  >;
  readonly mttd: Record<string, Stats3>;
  /** Locations and quorum: 2 of 3 locations (bench --only quorum rewrites just this key). */
  readonly quorum: QuorumResult;
  /** Regression to page through the incident pipeline (bench/time-to-page.ts; --only timeToPage rewrites just this key). */
  readonly timeToPage: TimeToPageResult;
  readonly fastConfirmation: {
    readonly attemptFailureP: number;
    readonly ingestionDelayS: readonly [number, number];
    readonly designs: Record<string, ConfirmationResult>;
    readonly recommended: string;
  };
  readonly costPerCheckMonthUsd: {
    readonly synthmon: number;
    readonly synthmonFast: number;
    readonly cloudwatchSynthetics: number;
    readonly datadog: number;
    readonly checkly: number;
  };
}

/** The seed configuration, validated and as written. */
function seed(quick: boolean, found: Record<string, unknown>): BenchContext {
  const configFile = join(ROOT, 'config', 'default.json');
  return { quick, config: loadConfigFile(configFile), raw: JSON.parse(readFileSync(configFile, 'utf8')) as RawConfig, found };
}

/**
 * `--only <key>` (quorum, timeToPage, coldStart): just that section; unless `quick`, the keys it keeps
 * (its own, or those its `results` names: coldStart keeps initMs and bundleBytes) replace the same keys
 * of bench/results.json and every other key is kept as it is.
 */
export async function mainOnly(key: string, quick: boolean): Promise<void> {
  const only = STANDALONE_SECTIONS.find((s) => s.key === key);
  if (!only) {
    const keys = STANDALONE_SECTIONS.map((s) => s.key).join(', ');
    throw new Error(`--only knows ${STANDALONE_SECTIONS.length === 1 ? 'one section' : 'these sections'}, ${keys}; got ${JSON.stringify(key)}`);
  }
  const started = Date.now();
  log(`synthmon benchmark, ${key} only — Node ${process.version}, ${cpus().length} CPUs${quick ? ' (quick: not written)' : ''}`);
  if (only.heading) section(only.heading);
  const value = await only.run(seed(quick, {}));
  if (!quick) {
    const file = join(ROOT, 'bench', 'results.json');
    const results = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const kept = keptResults(only, value);
    writeFileSync(file, `${JSON.stringify({ ...results, ...kept }, null, 2)}\n`);
    log(`\nwritten the ${Object.keys(kept).join(', ')} key(s) of ${file}`);
  }
  log(`done in ${fmt((Date.now() - started) / 1000, 0)} s`);
}

/** What a section keeps in bench/results.json: what its `results` names, else its own key. */
function keptResults(
  s: { readonly key: string; readonly results?: (found: never) => Readonly<Record<string, unknown>> },
  found: unknown,
): Readonly<Record<string, unknown>> {
  // `found` is what this very section's run returned.
  return s.results ? s.results(found as never) : { [s.key]: found };
}

/** The whole benchmark; `quick` takes fewer samples and writes nothing. */
export async function main(quick: boolean): Promise<void> {
  const started = Date.now();
  log(
    `synthmon benchmark — Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}${quick ? ' (quick: not written)' : ''}`,
  );
  const found: Record<string, unknown> = {};
  const ctx = seed(quick, found);
  for (const s of BENCH_SECTIONS) {
    if (s.heading) section(s.heading);
    found[s.key] = await s.run(ctx);
  }
  const results = resultsOf(found as Found);
  summary(results, found as Found);
  if (!quick) {
    const file = join(ROOT, 'bench', 'results.json');
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    log(`\nwritten ${file}`);
  }
  log(`done in ${fmt((Date.now() - started) / 1000, 0)} s`);
}

/** The figures bench/results.json keeps (its keys stay as they are). */
function resultsOf({
  cost: { cost, costFast, alt },
  mttd,
  quorum,
  timeToPage,
  confirmation: { designs, recommended },
  runtime: { overhead, runner, soak },
  scale,
  coldStart: cold,
}: Found): Results {
  return {
    wsOverheadRatio: round(overhead.ws.ratio, 3),
    httpOverheadRatio: round(overhead.http.ratio, 3),
    ...coldStartResults(cold),
    concurrency: { checks: runner.checks, peakRssMb: round(runner.peakRssMb, 1), leakedHandles: runner.leakedHandles },
    soak: { probes: soak.probes, rssGrowthMb: round(soak.rssGrowthMb, 2) },
    runner: {
      checks: runner.checks,
      peakRssMb: round(runner.peakRssMb, 1),
      wallOverSlowestMs: round(runner.wallOverSlowestMs, 0),
      warmWallOverSlowestMs: round(runner.warmWallOverSlowestMs, 0),
      peakRssAfterSecondInvocationMb: round(runner.peakRssWarmMb, 1),
      leakedHandles: runner.leakedHandles,
    },
    scale: {
      checks: scale.checks,
      synthSeconds: round(scale.synthSeconds, 1),
      stacks: scale.stacks,
      maxResourcesPerStack: scale.maxResourcesPerStack,
      maxTemplateBytes: scale.maxTemplateBytes,
      maxOutputsPerStack: scale.maxOutputsPerStack,
      dashboardWidgets: scale.dashboardWidgets,
      functions: scale.functions,
      roles: scale.roles,
    },
    mttd: Object.fromEntries(Object.entries(mttd).map(([name, s]) => [name, stats3(s)])),
    quorum,
    timeToPage,
    fastConfirmation: {
      attemptFailureP: DEFAULT_BLIP_PARAMS.attemptFailureP,
      ingestionDelayS: DEFAULT_MTTD_PARAMS.ingestionDelayS,
      designs,
      recommended,
    },
    costPerCheckMonthUsd: {
      synthmon: round(cost.perCheckMonthUsd, 2),
      synthmonFast: round(costFast.perCheckMonthUsd, 2),
      cloudwatchSynthetics: round(alt.cloudwatchSynthetics, 2),
      datadog: round(alt.datadog, 2),
      checkly: round(alt.checkly, 2),
    },
  };
}

/** The summary table: each figure beside its goal. */
function summary(results: Results, { confirmation: { designs, recommended }, runtime: { runner }, coldStart: cold, quorum }: Found): void {
  section('summary');
  const d = results.mttd.default!;
  const f = results.mttd.fast!;
  const rec = designs[recommended]!;
  const worstInit = Math.max(...Object.values(results.initMs));
  const sc = results.scale;
  const rows: Array<[string, string, string, boolean | null]> = [
    ['WSS handshake overhead', `×${fmt(results.wsOverheadRatio, 3)}`, `≤ ×${GOALS.overheadRatio}`, results.wsOverheadRatio <= GOALS.overheadRatio],
    [
      'HTTPS request overhead',
      `×${fmt(results.httpOverheadRatio, 3)}`,
      `≤ ×${GOALS.overheadRatio}`,
      results.httpOverheadRatio <= GOALS.overheadRatio,
    ],
    ['cold start (require bundle)', `${fmt(worstInit, 1)} ms`, `≤ ${GOALS.initMs} ms`, worstInit <= GOALS.initMs],
    ['bundle size (index.js, what init loads)', `${fmt(Math.max(...cold.functions.map((x) => x.bundleBytes)) / 1024, 0)} KiB`, '-', null],
    ['deployed code (index.js + lazy chunks)', `${fmt(Math.max(...Object.values(results.bundleBytes)) / 1024, 0)} KiB`, '-', null],
    ['first invocation lazy load (moved out of init)', `${fmt(Math.max(...cold.functions.map((x) => x.firstInvocation.totalMs)), 1)} ms`, '-', null],
    [
      `peak RSS, ${SHARD_CHECKS} checks in one invocation`,
      `${fmt(results.runner.peakRssMb, 1)} MB`,
      `≤ ${GOALS.peakRssMb} MB`,
      results.runner.peakRssMb <= GOALS.peakRssMb,
    ],
    [
      'invocation beyond its slowest check, cold',
      `${fmt(results.runner.wallOverSlowestMs, 0)} ms`,
      `≤ ${GOALS.wallOverSlowestMs} ms`,
      results.runner.wallOverSlowestMs <= GOALS.wallOverSlowestMs,
    ],
    [
      'invocation beyond its slowest check, warm',
      `${fmt(results.runner.warmWallOverSlowestMs, 0)} ms`,
      `≤ ${GOALS.wallOverSlowestMs} ms`,
      results.runner.warmWallOverSlowestMs <= GOALS.wallOverSlowestMs,
    ],
    [`peak RSS, after a second invocation`, `${fmt(results.runner.peakRssAfterSecondInvocationMb, 1)} MB`, '-', null],
    ['handles left open after', String(results.runner.leakedHandles), `${GOALS.leakedHandles}`, results.runner.leakedHandles <= GOALS.leakedHandles],
    ['checks not ok against the healthy backend', String(runner.failed), '0', runner.failed === 0],
    [
      `RSS growth, ${results.soak.probes} probes`,
      `${fmt(results.soak.rssGrowthMb, 1)} MB`,
      `≤ ${GOALS.rssGrowthMb} MB`,
      results.soak.rssGrowthMb <= GOALS.rssGrowthMb,
    ],
    [
      `synth, ${sc.checks} checks × ${SCALE_LOCATIONS.length} locations`,
      `${fmt(sc.synthSeconds, 1)} s`,
      `≤ ${GOALS.synthSeconds} s`,
      sc.synthSeconds <= GOALS.synthSeconds,
    ],
    [
      'resources in the largest stack',
      String(sc.maxResourcesPerStack),
      `≤ ${GOALS.resourcesPerStack}`,
      sc.maxResourcesPerStack <= GOALS.resourcesPerStack,
    ],
    ['largest template', `${fmt(sc.maxTemplateBytes / 1024, 0)} KiB`, '≤ 1 MB', sc.maxTemplateBytes <= GOALS.templateBytes],
    ['outputs in the largest stack', String(sc.maxOutputsPerStack), `≤ ${GOALS.outputsPerStack}`, sc.maxOutputsPerStack <= GOALS.outputsPerStack],
    ['dashboard widgets', String(sc.dashboardWidgets), `≤ ${GOALS.dashboardWidgets}`, sc.dashboardWidgets <= GOALS.dashboardWidgets],
    ['Lambda functions / IAM roles', `${sc.functions} / ${sc.roles}`, 'per location', null],
    ['time to detect, 60 s checks, mean', `${fmt(d.meanS, 1)} s`, `≤ ${GOALS.mttdMeanS} s`, d.meanS <= GOALS.mttdMeanS],
    ['time to detect, 60 s checks, worst', `${fmt(d.worstS, 1)} s`, '-', null],
    [
      '3 locations, quorum 2: pages, one location out (60 s / 10 s)',
      `${quorum.checks60s.oneLocation.pages} / ${quorum.checks10s.oneLocation.pages}`,
      '0',
      quorum.checks60s.oneLocation.pages + quorum.checks10s.oneLocation.pages === 0,
    ],
    ['3 locations, all out: time to detect, 60 s, mean', `${fmt(quorum.checks60s.allLocations.meanS, 1)} s`, '-', null],
    ['3 locations, all out: time to detect, 10 s, mean', `${fmt(quorum.checks10s.allLocations.meanS, 1)} s`, '-', null],
    ['time to detect, 10 s checks, mean (defaults)', `${fmt(f.meanS, 1)} s`, `≤ ${GOALS.fastMttdMeanS} s`, f.meanS <= GOALS.fastMttdMeanS],
    ['time to detect, 10 s checks, worst (defaults)', `${fmt(f.worstS, 1)} s`, `≤ ${GOALS.fastMttdWorstS} s`, f.worstS <= GOALS.fastMttdWorstS],
    [
      `10 s checks, recommended ${recommended}, mean`,
      `${fmt(rec.forbidden.meanS, 1)} s`,
      `≤ ${GOALS.fastMttdMeanS} s`,
      rec.forbidden.meanS <= GOALS.fastMttdMeanS,
    ],
    [
      `10 s checks, recommended ${recommended}, worst`,
      `${fmt(rec.forbidden.worstS, 1)} s`,
      `≤ ${GOALS.fastMttdWorstS} s`,
      rec.forbidden.worstS <= GOALS.fastMttdWorstS,
    ],
    [
      'cost per check-month, 60 s',
      `$${fmt(results.costPerCheckMonthUsd.synthmon)}`,
      `≤ $${fmt(GOALS.costUsd)}`,
      results.costPerCheckMonthUsd.synthmon <= GOALS.costUsd,
    ],
    [
      'cost per check-month, 10 s',
      `$${fmt(results.costPerCheckMonthUsd.synthmonFast)}`,
      `≤ $${fmt(GOALS.fastCostUsd)}`,
      results.costPerCheckMonthUsd.synthmonFast <= GOALS.fastCostUsd,
    ],
  ];
  for (const [what, value, goal, ok] of rows) log(`${pad(what, 48)} ${value.padStart(10)}   goal ${pad(goal, 12)} ${verdict(ok)}`);
}
