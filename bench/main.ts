/**
 * The benchmark's main run (see ./run.ts): cost, time to detect (and the fast-check confirmation
 * study), probe overhead, one shard invocation of 500 checks, a soak, the synth of a 1,000-check
 * fleet, and Lambda cold start, printed as a table and written to bench/results.json.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfigFile, parseConfig, type MonitorConfig } from '../contracts/config';
import { quorumOf } from '../lib/alarms/definitions';
import { benchmarkFleet, COST_GOALS_USD, estimateCost, type CostReport } from '../lib/cost/estimate';
import { startCloudWatchRecorder } from '../test/support/cloudwatch-recorder';
import { startBackend } from './backend';
import type { ColdStartResult } from './cold-start';
import {
  DEFAULT_BLIP_PARAMS,
  DEFAULT_MTTD_PARAMS,
  simulateFalsePages,
  simulateMttd,
  STRESS_INGESTION_S,
  type FalsePageStats,
  type MttdParams,
  type MttdScenario,
  type MttdStats,
} from './mttd';
import { measureOverhead, type OverheadResult } from './overhead';
import { runChild, type RunnerResult, type SoakResult } from './scale';
import { median, round } from './stats';
import { measureScaleSynth, type SynthScaleResult } from './synth';
import { timeToPageSection, type TimeToPageResult } from './time-to-page';

const ROOT = resolve(__dirname, '..');
const SHARD_CHECKS = 500;
const RUNNER_RUNS = 3;
const SOAK_PROBES = 10_000;
const SCALE_CHECKS = 1000;
const SCALE_LOCATIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-1'] as const;
/** Issue 14's seed locations: the quorum study probes from these, home us-east-1. */
const QUORUM_LOCATIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'] as const;

/** The goals of the design brief (DESIGN §10–§11 and the issues), printed beside the numbers. */
const GOALS = {
  overheadRatio: 1.05,
  initMs: 60,
  peakRssMb: 200,
  wallOverSlowestMs: 250,
  leakedHandles: 0,
  rssGrowthMb: 20,
  synthSeconds: 180,
  resourcesPerStack: 500,
  /** CloudFormation's 1 MB template quota, taken as 10^6 bytes to err on the safe side. */
  templateBytes: 1_000_000,
  outputsPerStack: 200,
  dashboardWidgets: 500,
  mttdMeanS: 95,
  fastMttdMeanS: 20,
  fastMttdWorstS: 40,
  costUsd: COST_GOALS_USD.standard,
  fastCostUsd: COST_GOALS_USD.fast,
} as const;

type Stats3 = { readonly meanS: number; readonly p95S: number; readonly worstS: number };

/** One design of issue 11's study: how a 10 s check confirms a failure before it pages. */
interface ConfirmationDesign {
  readonly key: string;
  readonly label: string;
  /** Part of the comparison asked for (a–c), or a reference row. */
  readonly role: 'candidate' | 'reference';
  readonly retryDelayMs: number;
  /** Per-attempt deadline; undefined: the default for 10 s checks (7000 ms). */
  readonly timeoutMs?: number;
  readonly failing: { readonly datapointsToAlarm: number; readonly evaluationPeriods: number };
}

const CONFIRMATION_DESIGNS: readonly ConfirmationDesign[] = [
  // (a) Both attempts and the pause fit in the tick: 2 × (3000 + 1000 settle) + 1000 = 9000 ms < 10 s.
  { key: 'inRunRetry1of1', label: '(a) in-run retry 1 s, Failing 1 of 1', role: 'candidate', retryDelayMs: 1000, timeoutMs: 3000, failing: { datapointsToAlarm: 1, evaluationPeriods: 1 } },
  { key: 'noRetry2of3', label: '(b) no retry, Failing 2 of 3 ticks', role: 'candidate', retryDelayMs: 0, failing: { datapointsToAlarm: 2, evaluationPeriods: 3 } },
  { key: 'noRetry1of1', label: '(c) no retry, Failing 1 of 1', role: 'candidate', retryDelayMs: 0, failing: { datapointsToAlarm: 1, evaluationPeriods: 1 } },
  { key: 'inRunRetry2of3', label: 'in-run retry 1 s, Failing 2 of 3', role: 'reference', retryDelayMs: 1000, timeoutMs: 3000, failing: { datapointsToAlarm: 2, evaluationPeriods: 3 } },
];

interface ConfirmationResult {
  readonly label: string;
  readonly role: ConfirmationDesign['role'];
  readonly retryDelayMs: number;
  readonly timeoutMs: number;
  readonly failing: string;
  readonly forbidden: Stats3;
  readonly timeout: Stats3;
  /** Per check-month, blips read as `reset` (only Failing can page) and as `refused` (the Refused class too). */
  readonly falsePagesPerCheckMonth: { readonly reset: number; readonly refused: number };
  readonly falseIncidentsPerCheckMonth: { readonly reset: number; readonly refused: number };
}

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
    'checks' | 'synthSeconds' | 'stacks' | 'maxResourcesPerStack' | 'maxTemplateBytes' | 'maxOutputsPerStack' | 'dashboardWidgets' | 'functions' | 'roles'
  >;
  readonly mttd: Record<string, Stats3>;
  /** Issue 14: a quorum of 2 of 3 locations (bench --only quorum rewrites just this key). */
  readonly quorum: QuorumResult;
  readonly fastConfirmation: {
    readonly attemptFailureP: number;
    readonly ingestionDelayS: readonly [number, number];
    readonly designs: Record<string, ConfirmationResult>;
    readonly recommended: string;
  };
  /** Issue 20: regression to page through the incident pipeline (bench/time-to-page.ts). */
  readonly timeToPage: TimeToPageResult;
  readonly costPerCheckMonthUsd: {
    readonly synthmon: number;
    readonly synthmonFast: number;
    readonly cloudwatchSynthetics: number;
    readonly datadog: number;
    readonly checkly: number;
  };
}

/** Pages of a regression that hits only a minority of the locations: none should page. */
interface MinorityOutage {
  /** Regressions simulated, each watched for `outageMinutes`. */
  readonly trials: number;
  readonly outageMinutes: number;
  /** ALARM notifications naming the check (false pages), all trials together. */
  readonly pages: number;
  /** Trials with at least one such page. */
  readonly pagedTrials: number;
  /** Any other ALARM (a Silent alarm, or one before the regression). */
  readonly falseAlarms: number;
}

interface QuorumCase {
  readonly oneLocation: MinorityOutage;
  readonly twoLocations: Stats3 & { readonly undetected: number; readonly falseAlarms: number };
  readonly allLocations: Stats3 & { readonly undetected: number; readonly falseAlarms: number };
}

interface QuorumResult {
  readonly locations: readonly string[];
  readonly quorum: number;
  readonly regression: string;
  readonly ingestionDelayS: readonly [number, number];
  readonly checks60s: QuorumCase;
  readonly checks10s: QuorumCase;
}

/** The runner children summarized: medians over the runs (handles and failures: the worst run). */
interface RunnerSummary {
  readonly checks: number;
  readonly peakRssMb: number;
  readonly peakRssWarmMb: number;
  readonly wallOverSlowestMs: number;
  readonly warmWallOverSlowestMs: number;
  readonly leakedHandles: number;
  /** Checks that did not report ok in the worst invocation (the backend is healthy: must be 0). */
  readonly failed: number;
}

type RawConfig = { checks: Array<Record<string, unknown>> } & Record<string, unknown>;

/** The default's scenarios, and the anchors' setups beside it: what the default's design buys. */
function mttdScenarios(config: MonitorConfig, raw: RawConfig): Array<{ scenario: MttdScenario; params?: Partial<MttdParams> }> {
  const fast = parseConfig({ ...raw, intervalSeconds: 10 });
  return [
    { scenario: { name: 'default', config, regression: 'forbidden' } },
    { scenario: { name: 'defaultStress', config, regression: 'forbidden' }, params: { ingestionDelayS: STRESS_INGESTION_S } },
    { scenario: { name: 'fast', config: fast, regression: 'forbidden' } },
    { scenario: { name: 'fastStress', config: fast, regression: 'forbidden' }, params: { ingestionDelayS: STRESS_INGESTION_S } },
    {
      // CloudWatch Synthetics-style: a run every minute, no confirmation retry, alarms on 1 of 1.
      scenario: {
        name: 'canary1min1of1',
        config: parseConfig({
          ...raw,
          checks: raw.checks.map((c) => ({ ...c, retryDelayMs: 0 })),
          alarms: { failing: { datapointsToAlarm: 1, evaluationPeriods: 1 } },
        }),
        regression: 'forbidden',
      },
    },
    { scenario: { name: 'check5min', config: parseConfig({ ...raw, intervalSeconds: 300 }), regression: 'forbidden' } },
    // A regression without a class alarm of its own (only Failing, 2 of 3), attempts running to the deadline.
    { scenario: { name: 'defaultTimeoutRegression', config, regression: 'timeout' } },
    // Design option (not built): the runner publishes to the alarm topic itself on a confirmed refused / forbidden.
    { scenario: { name: 'directPageOption', config, regression: 'forbidden', directPage: true } },
  ];
}

function designConfig(raw: RawConfig, d: ConfirmationDesign): MonitorConfig {
  return parseConfig({
    ...raw,
    intervalSeconds: 10,
    checks: raw.checks.map((c) => ({ ...c, retryDelayMs: d.retryDelayMs, ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}) })),
    // The fast check's own Failing alarm (alarms.fastFailing); alarms.failing drives the 60 s ones.
    alarms: { fastFailing: d.failing },
  });
}

const pad = (s: string, n: number) => s.padEnd(n);
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const stats3 = (s: Stats3): Stats3 => ({ meanS: round(s.meanS, 1), p95S: round(s.p95S, 1), worstS: round(s.worstS, 1) });
const line3 = (s: Stats3) => `mean ${fmt(s.meanS, 1).padStart(5)} s  p95 ${fmt(s.p95S, 1).padStart(5)} s  worst ${fmt(s.worstS, 1).padStart(5)} s`;
/** No goal (null) prints no verdict: a figure shown for context is not a goal met. */
const verdict = (ok: boolean | null) => (ok === null ? '' : ok ? 'met' : 'MISSED');
const rate = (n: number) => (n >= 100 ? fmt(n, 0) : n >= 1 ? fmt(n, 1) : fmt(n, 3));

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function section(title: string): void {
  log();
  log(`== ${title} ==`);
}

function peers(report: CostReport): Record<'cloudwatchSynthetics' | 'datadog' | 'checkly', number> {
  return Object.fromEntries(report.alternatives.map((a) => [a.name, a.usdPerCheckMonth])) as Record<'cloudwatchSynthetics' | 'datadog' | 'checkly', number>;
}

/** Issue 11: the three confirmation designs for 10 s checks (and two reference rows), side by side. */
function confirmationStudy(raw: RawConfig, quick: boolean): Record<string, ConfirmationResult> {
  const out: Record<string, ConfirmationResult> = {};
  const trials = quick ? 300 : 2000;
  const blip = quick ? { checkMonths: 50, sampledClusters: 40 } : {};
  log(`p = ${DEFAULT_BLIP_PARAMS.attemptFailureP} per attempt, independent, blips shorter than 1 s; ingestion ${DEFAULT_MTTD_PARAMS.ingestionDelayS.join('–')} s; ${trials} regressions per row`);
  log(`${pad('design', 40)} ${pad('forbidden regression', 42)} ${pad('timeout regression', 42)} false pages / check-month (reset | refused blips)`);
  for (const d of CONFIRMATION_DESIGNS) {
    const config = designConfig(raw, d);
    const forbidden = simulateMttd({ name: d.key, config, regression: 'forbidden' }, { trials });
    const timeout = simulateMttd({ name: d.key, config, regression: 'timeout' }, { trials: Math.ceil(trials / 2) });
    const reset: FalsePageStats = simulateFalsePages(config, { ...blip, outcome: 'reset' });
    const refused: FalsePageStats = simulateFalsePages(config, { ...blip, outcome: 'refused' });
    out[d.key] = {
      label: d.label,
      role: d.role,
      retryDelayMs: d.retryDelayMs,
      timeoutMs: config.checks[0]!.timeoutMs,
      failing: `${d.failing.datapointsToAlarm} of ${d.failing.evaluationPeriods}`,
      forbidden: stats3(forbidden),
      timeout: stats3(timeout),
      falsePagesPerCheckMonth: { reset: round(reset.pagesPerCheckMonth, 2), refused: round(refused.pagesPerCheckMonth, 2) },
      falseIncidentsPerCheckMonth: { reset: round(reset.incidentsPerCheckMonth, 2), refused: round(refused.incidentsPerCheckMonth, 2) },
    };
    log(
      `${pad(d.label, 40)} ${pad(line3(forbidden), 42)} ${pad(line3(timeout), 42)} ${rate(reset.pagesPerCheckMonth)} | ${rate(refused.pagesPerCheckMonth)}` +
        ` (incidents ${rate(reset.incidentsPerCheckMonth)} | ${rate(refused.incidentsPerCheckMonth)}; failed ticks ${rate(reset.failedTicksPerCheckMonth)})`,
    );
    if (forbidden.falseAlarms + timeout.falseAlarms > 0 || forbidden.undetected + timeout.undetected > 0) {
      log(`  ! false alarms ${forbidden.falseAlarms + timeout.falseAlarms}, undetected ${forbidden.undetected + timeout.undetected}`);
    }
  }
  return out;
}

/**
 * The recommendation: among the candidates whose time to detect meets the goals (mean ≤ 20 s and
 * worst ≤ 40 s for a forbidden regression), the fewest false pages under reset blips.
 */
function recommend(designs: Record<string, ConfirmationResult>): string {
  const ok = Object.entries(designs).filter(
    ([, d]) => d.role === 'candidate' && d.forbidden.meanS <= GOALS.fastMttdMeanS && d.forbidden.worstS <= GOALS.fastMttdWorstS,
  );
  const pool = ok.length ? ok : Object.entries(designs).filter(([, d]) => d.role === 'candidate');
  return pool.sort(([, a], [, b]) => a.falsePagesPerCheckMonth.reset - b.falsePagesPerCheckMonth.reset)[0]![0];
}

/**
 * Issue 14: the seed's checks from three locations, quorum 2 (the default majority), every 60 s and
 * every 10 s, through simulateMttd's model (each location its own schedule phase, delivery and
 * ingestion delays; the deployed alarm definitions; the evaluator): a regression in one location,
 * watched for the whole horizon, must page nothing; in two or in all three it pages.
 */
function quorumStudy(raw: RawConfig, quick: boolean): QuorumResult {
  const trials = quick ? 200 : 2000;
  const scenarioCase = (config: MonitorConfig): QuorumCase => {
    const one = simulateMttd({ name: 'oneLocation', config, regression: 'forbidden', failingLocations: 1, countPages: true }, { trials: Math.ceil(trials / 2) });
    const two = simulateMttd({ name: 'twoLocations', config, regression: 'forbidden', failingLocations: 2 }, { trials });
    const all = simulateMttd({ name: 'allLocations', config, regression: 'forbidden' }, { trials });
    log(`  one location  : ${one.pages} pages in ${one.trials} outages of ${one.horizonMinutes} min (${one.pagedTrials} outages paged; other false alarms ${one.falseAlarms})`);
    log(`  two locations : ${line3(two)}  (undetected ${two.undetected}, false alarms ${two.falseAlarms})`);
    log(`  all locations : ${line3(all)}  (undetected ${all.undetected}, false alarms ${all.falseAlarms})`);
    return {
      oneLocation: { trials: one.trials, outageMinutes: one.horizonMinutes, pages: one.pages, pagedTrials: one.pagedTrials, falseAlarms: one.falseAlarms },
      twoLocations: { ...stats3(two), undetected: two.undetected, falseAlarms: two.falseAlarms },
      allLocations: { ...stats3(all), undetected: all.undetected, falseAlarms: all.falseAlarms },
    };
  };
  const at60 = parseConfig({ ...raw, locations: [...QUORUM_LOCATIONS] });
  const at10 = parseConfig({ ...raw, intervalSeconds: 10, locations: [...QUORUM_LOCATIONS] });
  log(`${QUORUM_LOCATIONS.join(', ')}, quorum ${quorumOf(at60)}; forbidden regressions; ingestion ${DEFAULT_MTTD_PARAMS.ingestionDelayS.join('–')} s; ${trials} regressions per row (one location: ${Math.ceil(trials / 2)})`);
  log('checks every 60 s:');
  const checks60s = scenarioCase(at60);
  log('checks every 10 s:');
  const checks10s = scenarioCase(at10);
  return {
    locations: [...QUORUM_LOCATIONS],
    quorum: quorumOf(at60),
    regression: 'forbidden',
    ingestionDelayS: DEFAULT_MTTD_PARAMS.ingestionDelayS,
    checks60s,
    checks10s,
  };
}

/**
 * `--only quorum`: just the quorum study; unless `quick`, its key replaces `quorum` in
 * bench/results.json and every other key is kept as it is.
 */
export async function mainQuorum(quick: boolean): Promise<void> {
  const started = Date.now();
  log(`synthmon benchmark, quorum only — Node ${process.version}, ${cpus().length} CPUs${quick ? ' (quick: not written)' : ''}`);
  const raw = JSON.parse(readFileSync(join(ROOT, 'config', 'default.json'), 'utf8')) as RawConfig;
  section('quorum (issue 14): 3 locations, quorum 2');
  const quorum = quorumStudy(raw, quick);
  if (!quick) {
    const file = join(ROOT, 'bench', 'results.json');
    const results = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, `${JSON.stringify({ ...results, quorum }, null, 2)}\n`);
    log(`\nwritten the quorum key of ${file}`);
  }
  log(`done in ${fmt((Date.now() - started) / 1000, 0)} s`);
}

/** The whole benchmark; `quick` takes fewer samples and writes nothing. */
export async function main(quick: boolean): Promise<void> {
  const started = Date.now();
  log(`synthmon benchmark — Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}${quick ? ' (quick: not written)' : ''}`);
  const configFile = join(ROOT, 'config', 'default.json');
  const config = loadConfigFile(configFile);
  const raw = JSON.parse(readFileSync(configFile, 'utf8')) as RawConfig;

  section('cost per check-month (estimateCost of benchmarkFleet: 100 checks, half WebSocket, half HTTP)');
  const cost = estimateCost(benchmarkFleet({ checks: 100, intervalSeconds: 60 }));
  const costFast = estimateCost(benchmarkFleet({ checks: 100, intervalSeconds: 10 }));
  const alt = peers(cost);
  const altFast = peers(costFast);
  log(`every 60 s: synthmon $${fmt(cost.perCheckMonthUsd)} (goal $${fmt(GOALS.costUsd)}); CloudWatch Synthetics $${fmt(alt.cloudwatchSynthetics)}, Datadog $${fmt(alt.datadog)}, Checkly $${fmt(alt.checkly)}`);
  log(
    `every 10 s: synthmon $${fmt(costFast.perCheckMonthUsd)} (goal $${fmt(GOALS.fastCostUsd)}); CloudWatch Synthetics $${fmt(altFast.cloudwatchSynthetics)} (runs at most once a minute), ` +
      `Datadog $${fmt(altFast.datadog)}, Checkly $${fmt(altFast.checkly)}`,
  );
  for (const note of [...cost.notes.slice(1, 2), ...costFast.notes.slice(1, 3)]) log(`  - ${note}`);

  section(`time to detect (simulated with alarmDefinitions and the evaluator, seeded; ingestion ${DEFAULT_MTTD_PARAMS.ingestionDelayS.join('–')} s, stress ${STRESS_INGESTION_S.join('–')} s)`);
  const mttd: Record<string, MttdStats> = {};
  const trials = quick ? { trials: 300 } : {};
  for (const { scenario, params } of mttdScenarios(config, raw)) {
    const stats = simulateMttd(scenario, { ...trials, ...params });
    mttd[scenario.name] = stats;
    const by = Object.entries(stats.pagedBy).sort(([, a], [, b]) => b - a).map(([k, n]) => `${k} ${Math.round((100 * n) / stats.trials)}%`).join(', ');
    log(`${pad(scenario.name, 26)} ${line3(stats)}  (undetected ${stats.undetected}, false alarms ${stats.falseAlarms}; paged by ${by})`);
  }
  // Sensitivity: how much of the default's delay is CloudWatch's ingestion, how much the minute grid.
  const instant = simulateMttd(mttdScenarios(config, raw)[0]!.scenario, { ...trials, ingestionDelayS: [0, 0] });
  log(`${pad('default, instant ingestion', 26)} ${line3(instant)}  (printed only)`);

  section('quorum (issue 14): 3 locations, quorum 2');
  const quorum = quorumStudy(raw, quick);

  section('fast-check confirmation (issue 11): 10 s checks of config/default.json');
  const designs = confirmationStudy(raw, quick);
  const recommended = recommend(designs);
  const r = designs[recommended]!;
  log(
    `recommended: ${r.label} — forbidden mean ${fmt(r.forbidden.meanS, 1)} s, worst ${fmt(r.forbidden.worstS, 1)} s; ` +
      `${rate(r.falsePagesPerCheckMonth.reset)} false pages per check-month at p = ${DEFAULT_BLIP_PARAMS.attemptFailureP} (they scale with p²)`,
  );

  section('time to page (issue 20): the incident pipeline, from the deployed schedules to the channel');
  const timeToPage = await timeToPageSection(quick, log);

  const backend = await startBackend();
  const recorder = await startCloudWatchRecorder();
  // The runner children trust the backend's CA the way Lambda trusts a CA: NODE_EXTRA_CA_CERTS.
  const caFile = join(tmpdir(), `synthmon-bench-ca-${process.pid}.pem`);
  let overhead: OverheadResult;
  let runner: RunnerSummary;
  let soak: SoakResult;
  try {
    section('probe overhead (loopback TLS, interleaved, medians)');
    overhead = await measureOverhead(backend, quick ? { samples: 40, warmup: 5 } : { samples: 250, warmup: 25 });
    for (const [kind, s] of [['wss', overhead.ws], ['https', overhead.http]] as const) {
      log(`${kind}: probe ${fmt(s.probeMs)} ms vs raw ${fmt(s.rawMs)} ms → ×${fmt(s.ratio, 3)} (p90 ${fmt(s.probeP90Ms)} vs ${fmt(s.rawP90Ms)} ms, n=${overhead.samples})`);
    }

    section(`runner: one shard invocation of ${SHARD_CHECKS} checks (createRunner, real CloudWatch client → loopback recorder; child process)`);
    log(
      `half WebSocket (1 s settle), half HTTP, each with a token; the CA trusted through NODE_EXTRA_CA_CERTS; ` +
        `load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')} (wall times are CPU-bound: read them against it)`,
    );
    // Three children, the median of each figure: the machine is shared, a single run is noisy.
    writeFileSync(caFile, backend.ca);
    const runs: RunnerResult[] = [];
    for (let i = 0; i < (quick ? 1 : RUNNER_RUNS); i++) {
      const run = await runChild<RunnerResult>(`runner:${SHARD_CHECKS}`, backend, { timeoutMs: 180_000, cloudWatchUrl: recorder.endpoint, extraCaCertsFile: caFile });
      runs.push(run);
      for (const [name, inv] of [['cold', run.cold], ['warm', run.warm]] as const) {
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
    runner = {
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
    soak = await runChild<SoakResult>(`soak:${soakProbes}`, backend, { nodeFlags: ['--expose-gc'], timeoutMs: 900_000 });
    log(
      `ok ${soak.ok}/${soak.probes} in ${fmt(soak.wallMs / 1000, 1)} s; RSS after GC ${fmt(soak.rssBeforeMb, 1)} → ${fmt(soak.rssAfterMb, 1)} MB ` +
        `(${soak.rssGrowthMb >= 0 ? '+' : ''}${fmt(soak.rssGrowthMb, 1)} MB), heap ${soak.heapGrowthMb >= 0 ? '+' : ''}${fmt(soak.heapGrowthMb, 2)} MB`,
    );
    log(`RSS every ${soak.probes / 10} probes: ${soak.checkpointsMb.map((m) => fmt(m, 0)).join(' ')} MB`);
  } finally {
    rmSync(caFile, { force: true });
    await Promise.all([backend.close(), recorder.close()]);
  }

  section(`scale: ${SCALE_CHECKS} checks in ${SCALE_LOCATIONS.length} locations, synthesized by cdk.json's app (bin/app.ts, real bundling, cdk-nag; child process)`);
  const scale: SynthScaleResult = measureScaleSynth({ projectRoot: ROOT, checks: SCALE_CHECKS, locations: SCALE_LOCATIONS, timeoutMs: 600_000 });
  log(
    `synth ${fmt(scale.synthSeconds, 1)} s; ${scale.stacks} templates; ${scale.functions} functions, ${scale.roles} roles, ${scale.schedules} schedules, ` +
      `${scale.alarms} alarms; dashboard ${scale.dashboardWidgets} widgets; ${scale.bundlings} runner bundlings → ${scale.assets} distinct asset(s)`,
  );
  for (const s of scale.perStack) log(`  ${pad(s.stack, 44)} ${String(s.resources).padStart(4)} resources  ${String(s.outputs).padStart(3)} outputs  ${fmt(s.templateBytes / 1024, 0).padStart(5)} KiB`);

  section('cold start (the runner bundle from the synthesized MonitorStack of config/default.json)');
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

  section('summary');
  const d = results.mttd.default!;
  const f = results.mttd.fast!;
  const rec = designs[recommended]!;
  const worstInit = Math.max(...Object.values(results.initMs));
  const sc = results.scale;
  const rows: Array<[string, string, string, boolean | null]> = [
    ['WSS handshake overhead', `×${fmt(results.wsOverheadRatio, 3)}`, `≤ ×${GOALS.overheadRatio}`, results.wsOverheadRatio <= GOALS.overheadRatio],
    ['HTTPS request overhead', `×${fmt(results.httpOverheadRatio, 3)}`, `≤ ×${GOALS.overheadRatio}`, results.httpOverheadRatio <= GOALS.overheadRatio],
    ['cold start (require bundle)', `${fmt(worstInit, 1)} ms`, `≤ ${GOALS.initMs} ms`, worstInit <= GOALS.initMs],
    ['bundle size (index.js, what init loads)', `${fmt(Math.max(...cold.functions.map((x) => x.bundleBytes)) / 1024, 0)} KiB`, '-', null],
    ['deployed code (index.js + lazy chunks)', `${fmt(Math.max(...Object.values(results.bundleBytes)) / 1024, 0)} KiB`, '-', null],
    ['first invocation lazy load (moved out of init)', `${fmt(Math.max(...cold.functions.map((x) => x.firstInvocation.totalMs)), 1)} ms`, '-', null],
    [`peak RSS, ${SHARD_CHECKS} checks in one invocation`, `${fmt(results.runner.peakRssMb, 1)} MB`, `≤ ${GOALS.peakRssMb} MB`, results.runner.peakRssMb <= GOALS.peakRssMb],
    ['invocation beyond its slowest check, cold', `${fmt(results.runner.wallOverSlowestMs, 0)} ms`, `≤ ${GOALS.wallOverSlowestMs} ms`, results.runner.wallOverSlowestMs <= GOALS.wallOverSlowestMs],
    ['invocation beyond its slowest check, warm', `${fmt(results.runner.warmWallOverSlowestMs, 0)} ms`, `≤ ${GOALS.wallOverSlowestMs} ms`, results.runner.warmWallOverSlowestMs <= GOALS.wallOverSlowestMs],
    [`peak RSS, after a second invocation`, `${fmt(results.runner.peakRssAfterSecondInvocationMb, 1)} MB`, '-', null],
    ['handles left open after', String(results.runner.leakedHandles), `${GOALS.leakedHandles}`, results.runner.leakedHandles <= GOALS.leakedHandles],
    ['checks not ok against the healthy backend', String(runner.failed), '0', runner.failed === 0],
    [`RSS growth, ${results.soak.probes} probes`, `${fmt(results.soak.rssGrowthMb, 1)} MB`, `≤ ${GOALS.rssGrowthMb} MB`, results.soak.rssGrowthMb <= GOALS.rssGrowthMb],
    [`synth, ${sc.checks} checks × ${SCALE_LOCATIONS.length} locations`, `${fmt(sc.synthSeconds, 1)} s`, `≤ ${GOALS.synthSeconds} s`, sc.synthSeconds <= GOALS.synthSeconds],
    ['resources in the largest stack', String(sc.maxResourcesPerStack), `≤ ${GOALS.resourcesPerStack}`, sc.maxResourcesPerStack <= GOALS.resourcesPerStack],
    ['largest template', `${fmt(sc.maxTemplateBytes / 1024, 0)} KiB`, '≤ 1 MB', sc.maxTemplateBytes <= GOALS.templateBytes],
    ['outputs in the largest stack', String(sc.maxOutputsPerStack), `≤ ${GOALS.outputsPerStack}`, sc.maxOutputsPerStack <= GOALS.outputsPerStack],
    ['dashboard widgets', String(sc.dashboardWidgets), `≤ ${GOALS.dashboardWidgets}`, sc.dashboardWidgets <= GOALS.dashboardWidgets],
    ['Lambda functions / IAM roles', `${sc.functions} / ${sc.roles}`, 'per location', null],
    ['time to detect, 60 s checks, mean', `${fmt(d.meanS, 1)} s`, `≤ ${GOALS.mttdMeanS} s`, d.meanS <= GOALS.mttdMeanS],
    ['time to detect, 60 s checks, worst', `${fmt(d.worstS, 1)} s`, '-', null],
    ['3 locations, quorum 2: pages, one location out (60 s / 10 s)', `${quorum.checks60s.oneLocation.pages} / ${quorum.checks10s.oneLocation.pages}`, '0', quorum.checks60s.oneLocation.pages + quorum.checks10s.oneLocation.pages === 0],
    ['3 locations, all out: time to detect, 60 s, mean', `${fmt(quorum.checks60s.allLocations.meanS, 1)} s`, '-', null],
    ['3 locations, all out: time to detect, 10 s, mean', `${fmt(quorum.checks10s.allLocations.meanS, 1)} s`, '-', null],
    ['time to detect, 10 s checks, mean (defaults)', `${fmt(f.meanS, 1)} s`, `≤ ${GOALS.fastMttdMeanS} s`, f.meanS <= GOALS.fastMttdMeanS],
    ['time to detect, 10 s checks, worst (defaults)', `${fmt(f.worstS, 1)} s`, `≤ ${GOALS.fastMttdWorstS} s`, f.worstS <= GOALS.fastMttdWorstS],
    [`10 s checks, recommended ${recommended}, mean`, `${fmt(rec.forbidden.meanS, 1)} s`, `≤ ${GOALS.fastMttdMeanS} s`, rec.forbidden.meanS <= GOALS.fastMttdMeanS],
    [`10 s checks, recommended ${recommended}, worst`, `${fmt(rec.forbidden.worstS, 1)} s`, `≤ ${GOALS.fastMttdWorstS} s`, rec.forbidden.worstS <= GOALS.fastMttdWorstS],
    ['cost per check-month, 60 s', `$${fmt(results.costPerCheckMonthUsd.synthmon)}`, `≤ $${fmt(GOALS.costUsd)}`, results.costPerCheckMonthUsd.synthmon <= GOALS.costUsd],
    ['cost per check-month, 10 s', `$${fmt(results.costPerCheckMonthUsd.synthmonFast)}`, `≤ $${fmt(GOALS.fastCostUsd)}`, results.costPerCheckMonthUsd.synthmonFast <= GOALS.fastCostUsd],
  ];
  for (const [what, value, goal, ok] of rows) log(`${pad(what, 48)} ${value.padStart(10)}   goal ${pad(goal, 12)} ${verdict(ok)}`);

  if (!quick) {
    const file = join(ROOT, 'bench', 'results.json');
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    log(`\nwritten ${file}`);
  }
  log(`done in ${fmt((Date.now() - started) / 1000, 0)} s`);
}

