/**
 * Time to detect and false pages, simulated with the real parts: the fleet plan and alarm
 * definitions of the configuration (alarmDefinitions: the Metrics Insights class alarms per
 * interval, the per-check 10 s Failing alarm of a fast check, Silent per shard), the datapoints
 * toMetricData makes of each tick's results exactly as the runner publishes them (the intervals map,
 * the tick's own timestamp, the shard heartbeat, high resolution for fast shards), and the local
 * evaluator's CloudWatch semantics (evaluateBetween: 60 s alarms every minute and 10 s alarms every
 * 10 s, each at a random offset of its own; complete periods only; Insights contributors).
 *
 * A regression starts at a random instant; the model adds everything between it and the page:
 *
 * - schedule: EventBridge Scheduler invokes the shard at a fixed phase inside its rate (random per
 *   trial) plus a small delivery delay; a fast shard's invocation runs its ticks at
 *   scheduledTime + k × interval (lambda/runner.ts);
 * - the probe: a failing attempt (a quick answer such as 403 or refused, or the whole deadline for
 *   a timeout), the confirmation pause and second attempt when retryDelayMs > 0; the datapoint is
 *   stamped with the tick's time whatever the attempts took;
 * - publishing: a tick publishes once every check of its shard is done (the shard's slowest healthy
 *   run, a WebSocket's settle window), one PutMetricData round trip, then CloudWatch's ingestion
 *   delay before the datapoint is visible to alarms;
 * - evaluation: the evaluator at CloudWatch's cadence; the page is the first ALARM transition that
 *   names the check (a contributor of a Metrics Insights alarm, or the check's own alarm), not the
 *   alarm-level change.
 *
 * Ingestion delay: AWS documents no figure. A re:Post answer on 10 s alarms says "you may also incur
 * a few seconds delay for the data to become available to the alarm"
 * (https://repost.aws/zh-Hant/questions/QUGIWUPlEYQWaCBm9x2WfnWA/can-we-trigger-cloudwatch-alarm-immediately-when-there-is-a-breach-in-the-system-i-e-immediately-after-publishing-the-metrics,
 * a community answer, not AWS documentation); 1–10 s is our assumption consistent with that, and
 * 30–60 s is kept as a stress case.
 *
 * Locations: every location runs its own runner on its own schedule (its own random phase
 * and delivery delay, its own ingestion delay per datapoint), all publishing the same identities
 * into one store, as they publish to the home region; a regression hits `failingLocations` of them.
 * The quorum is in the alarm definitions (alarmDefinitions), not in this model.
 *
 * Not included: SNS delivery to e-mail / pager (seconds) and a human noticing.
 * Everything random comes from one seeded PRNG, so the numbers are reproducible.
 */
import type { Check, MonitorConfig } from '../contracts/config';
import { Outcome } from '../contracts/outcomes';
import type { CheckResult } from '../contracts/result';
import { KINDS } from '../contracts/kinds';
import { intervalsByCheck } from '../contracts/metrics';
import { toMetricData } from '../lambda/metrics/datums';
import { alarmDefinitions, AlarmClass, alarmPeriodSeconds, locationLabels, type AlarmDefinition } from '../lib/alarms/definitions';
import { AlarmEvaluator, AlarmState, evaluateBetween, MetricStore, type AlarmTransition } from '../lib/alarms/evaluator';
import { planFleet, type ShardPlan } from '../lib/fleet/plan';
import { mean, quantile, seededRandom, uniform } from './stats';

/** The model's parameters; every duration in seconds. */
export interface MttdParams {
  readonly trials: number;
  readonly seed: number;
  /** CloudWatch ingestion delay, uniform in [min, max]. @default [1, 10] */
  readonly ingestionDelayS: readonly [number, number];
  /** Scheduler delivery delay after the scheduled instant, uniform in [0, max]. @default 5 */
  readonly deliveryDelayMaxS: number;
  /** A failing attempt that gets a quick answer (403, refused), uniform. @default [0.15, 0.6] */
  readonly quickFailureS: readonly [number, number];
  /** A healthy run besides a WebSocket's settle window. @default 0.3 */
  readonly healthyRunS: number;
  /** PutMetricData round trip. @default 0.1 */
  readonly publishS: number;
}

export const DEFAULT_MTTD_PARAMS: MttdParams = {
  trials: 2000,
  seed: 20261201,
  ingestionDelayS: [1, 10],
  deliveryDelayMaxS: 5,
  quickFailureS: [0.15, 0.6],
  healthyRunS: 0.3,
  publishS: 0.1,
};

/** The stress case of the ingestion delay. */
export const STRESS_INGESTION_S: readonly [number, number] = [30, 60];

/** What regresses: `timeout` attempts take the whole deadline; the others answer at once. */
export type Regression = typeof Outcome.FORBIDDEN | typeof Outcome.REFUSED | typeof Outcome.TIMEOUT;

export interface MttdScenario {
  readonly name: string;
  readonly config: MonitorConfig;
  readonly regression: Regression;
  /**
   * Design option (not built): the runner pages (SNS Publish) itself on a confirmed refused /
   * forbidden, so the page leaves with the tick's publish, not after ingestion and evaluation.
   * @default false
   */
  readonly directPage?: boolean;
  /**
   * How many of the configuration's locations the regression hits (the first ones in `locations`);
   * the others stay healthy. @default - all of them
   */
  readonly failingLocations?: number;
  /**
   * Keep evaluating to the horizon instead of stopping at the first page, and count every page: for
   * regressions that must not page (a minority of locations under a quorum). @default false
   */
  readonly countPages?: boolean;
}

export interface MttdStats {
  readonly trials: number;
  readonly meanS: number;
  readonly p95S: number;
  readonly worstS: number;
  /** Trials whose regression was not detected within the horizon (counted at the horizon). */
  readonly undetected: number;
  /** ALARM transitions before the regression started, or of a Silent alarm (must be 0). */
  readonly falseAlarms: number;
  /** Which alarm paged first, by kind (e.g. `Forbidden 60 s contributor`), in trials. */
  readonly pagedBy: Readonly<Record<string, number>>;
  /**
   * ALARM notifications naming the check after the regression started, all trials together (with
   * `countPages`, every one up to the horizon; else at most the first one of each trial).
   */
  readonly pages: number;
  /** Trials with at least one such page. */
  readonly pagedTrials: number;
  /** Minutes from the regression's start to the horizon, the longest a trial watches it. */
  readonly horizonMinutes: number;
}

const EPOCH = Date.UTC(2026, 0, 1);
const MINUTE_MS = 60_000;

const periodOf = alarmPeriodSeconds;
const cadenceMs = (d: AlarmDefinition) => (periodOf(d) < 60 ? 10_000 : MINUTE_MS);
const alarmKind = (d: AlarmDefinition) => `${d.class} ${periodOf(d)} s${d.type === 'insights' ? ' contributor' : ''}`;

/** Everything a trial needs about one check, computed once per scenario. */
interface CheckModel {
  readonly check: Check;
  readonly shard: ShardPlan;
  readonly namespace: string;
  readonly phaseTimings: boolean;
  /** The locations its runners publish as (one feed each). */
  readonly locations: readonly string[];
  /** The alarms that can page for this check or its shard (the others never see its datapoints). */
  readonly definitions: readonly AlarmDefinition[];
  readonly intervals: ReadonlyMap<string, number>;
  /** The slowest healthy run among the shard's checks: a tick publishes after it. */
  readonly shardHealthyMs: number;
  /** The longest period involved (alarm periods, the invocation rate). */
  readonly maxPeriodMs: number;
  /** Healthy history before evaluation starts: every alarm's range is full, every alarm OK. */
  readonly historyMs: number;
}

function healthyRunMs(check: Check, p: MttdParams): number {
  const settleMs = KINDS[check.kind].settles ? ((check as { settleMs?: number }).settleMs ?? 0) : 0;
  return p.healthyRunS * 1000 + settleMs;
}

/** The models of every check of a configuration (alarms restricted to each check's own). */
function checkModels(config: MonitorConfig, p: MttdParams): CheckModel[] {
  const plan = planFleet(config);
  const all = alarmDefinitions(config, plan);
  const locations = locationLabels(config);
  const byName = new Map(config.checks.map((c) => [c.name, c]));
  return config.checks.map((check) => {
    const shard = plan.shards.find((s) => s.checks.includes(check.name))!;
    const definitions = all.filter((d) => {
      if (d.type === 'insights') return d.select.where.Interval === String(check.intervalSeconds);
      if (d.class === AlarmClass.SILENT) return d.type === 'metric' && d.shard === shard.id; // in every location
      return d.check === check.name; // the fast check's own Failing; RunnerDropped watches AWS/Lambda, which nothing here feeds
    });
    const maxPeriodMs = Math.max(shard.invokeEverySeconds, check.intervalSeconds, ...definitions.map(periodOf)) * 1000;
    const maxN = Math.max(...definitions.map((d) => d.evaluationPeriods));
    return {
      check,
      shard,
      namespace: config.namespace,
      phaseTimings: config.phaseTimings,
      locations,
      definitions,
      intervals: intervalsByCheck([check]),
      shardHealthyMs: Math.max(...shard.checks.map((n) => healthyRunMs(byName.get(n)!, p))),
      maxPeriodMs,
      historyMs: (maxN + 3) * maxPeriodMs,
    };
  });
}

/** What a tick's run of the check does. */
type TickVerdict = { readonly ok: true } | { readonly ok: false; readonly outcome: Outcome; readonly slow: boolean };
const HEALTHY: TickVerdict = { ok: true };

function result(m: CheckModel, ok: boolean, outcome: CheckResult['outcome'], startMs: number, totalMs: number, attempts: number): CheckResult {
  const { check } = m;
  return {
    check: check.name,
    kind: check.kind,
    url: check.url,
    ok,
    outcome,
    attempts,
    message: '',
    timings: { totalMs },
    startedAt: new Date(startMs).toISOString(),
  };
}

/**
 * The check's ticks as the runner publishes them, fed into the store only as far as evaluation has
 * got (a datapoint is never visible before its tick): one invocation per rate at
 * `fromMs + phaseMs + k × rate`, delivered a little late, ticks at their own times;
 * `verdict(tickAtMs, startMs)` says how each run goes.
 */
class TickFeed {
  /** When the first failing tick was published (the direct-page option). */
  firstFailurePublishedAt: number | undefined;
  private nextInvocationMs: number;
  private readonly rateMs: number;
  private readonly intervalMs: number;

  constructor(
    private readonly m: CheckModel,
    private readonly store: MetricStore,
    private readonly rng: () => number,
    private readonly p: MttdParams,
    private readonly opts: { fromMs: number; phaseMs: number; verdict: (tickAtMs: number, startMs: number) => TickVerdict; location?: string },
  ) {
    this.rateMs = m.shard.invokeEverySeconds * 1000;
    this.intervalMs = m.check.intervalSeconds * 1000;
    this.nextInvocationMs = opts.fromMs + opts.phaseMs;
  }

  /** Publish every invocation scheduled up to `toMs`. */
  publishUntil(toMs: number): void {
    for (; this.nextInvocationMs <= toMs; this.nextInvocationMs += this.rateMs) this.invoke(this.nextInvocationMs);
  }

  private invoke(scheduledMs: number): void {
    const { m, p, rng } = this;
    const { check, shard } = m;
    const delivered = scheduledMs + rng() * p.deliveryDelayMaxS * 1000;
    for (let j = 0; j < shard.ticksPerInvocation; j++) {
      const tickAt = scheduledMs + j * this.intervalMs;
      const start = Math.max(tickAt, delivered);
      const v = this.opts.verdict(tickAt, start);
      let r: CheckResult;
      let end: number;
      if (v.ok) {
        end = start + healthyRunMs(check, p);
        r = result(m, true, Outcome.OK, start, end - start, 1);
      } else {
        const attemptMs = () => (v.slow ? check.timeoutMs : uniform(rng, p.quickFailureS[0], p.quickFailureS[1]) * 1000);
        const first = attemptMs();
        if (check.retryDelayMs > 0) {
          const retryAt = start + first + check.retryDelayMs;
          const second = attemptMs();
          end = retryAt + second;
          r = result(m, false, v.outcome, retryAt, second, 2);
        } else {
          end = start + first;
          r = result(m, false, v.outcome, start, first, 1);
        }
      }
      // The tick publishes once every check of its shard is done.
      const publishedAt = Math.max(end, start + m.shardHealthyMs) + p.publishS * 1000;
      if (!v.ok) this.firstFailurePublishedAt ??= publishedAt;
      const visibleAtMs = publishedAt + uniform(rng, p.ingestionDelayS[0], p.ingestionDelayS[1]) * 1000;
      const datums = toMetricData([r], {
        phaseTimings: m.phaseTimings,
        intervals: m.intervals,
        timestamp: new Date(tickAt),
        heartbeat: { shard: shard.id, location: this.opts.location ?? m.locations[0]!, highResolution: shard.fast },
      });
      this.store.put(m.namespace, datums, { visibleAtMs });
    }
  }
}

/** Fresh evaluators, deployed long enough ago that warm-up is over when evaluation starts. */
function evaluatorsFor(m: CheckModel, rng: () => number, evalFromMs: number): AlarmEvaluator[] {
  return m.definitions.map(
    (d) =>
      new AlarmEvaluator(d, {
        createdAtMs: evalFromMs - (d.warmUpMinutes ?? 0) * MINUTE_MS,
        evaluationOffsetMs: Math.floor(rng() * cadenceMs(d)),
      }),
  );
}

/**
 * Evaluate minute by minute from `fromMs` to `toMs`, feeding the ticks as it goes, until `stop`
 * says so; returns every transition.
 */
function evaluateUntil(
  evaluators: AlarmEvaluator[],
  store: MetricStore,
  feeds: TickFeed | readonly TickFeed[],
  range: { fromMs: number; toMs: number },
  stop: (t: AlarmTransition) => boolean,
): AlarmTransition[] {
  const out: AlarmTransition[] = [];
  for (let w = range.fromMs; w <= range.toMs; w += MINUTE_MS) {
    const end = Math.min(w + MINUTE_MS - 1, range.toMs);
    for (const feed of Array.isArray(feeds) ? feeds : [feeds]) feed.publishUntil(end);
    const batch = evaluateBetween(evaluators, store, w, end);
    out.push(...batch);
    if (batch.some(stop)) break;
  }
  return out;
}

const namesCheck = (t: AlarmTransition, check: string) => t.to === AlarmState.ALARM && t.check === check;

interface TrialOutcome {
  readonly detectS: number;
  readonly detected: boolean;
  readonly falseAlarm: boolean;
  readonly pagedBy?: string;
  /** Pages naming the check after the regression started. */
  readonly pages: number;
}

/** One regression of one check: seconds from its start to the first page naming the check. */
function regressionTrial(m: CheckModel, scenario: MttdScenario, rng: () => number, p: MttdParams): TrialOutcome {
  const name = m.check.name;
  const evalFrom = EPOCH + m.historyMs;
  const regressionAt = evalFrom + m.maxPeriodMs + rng() * m.maxPeriodMs;
  const horizon = regressionAt + horizonMs(m);
  const slow = scenario.regression === Outcome.TIMEOUT;
  const failing: TickVerdict = { ok: false, outcome: scenario.regression, slow };
  const store = new MetricStore();
  // One runner per location, each on its own schedule phase; the regression hits the first `failingLocations`.
  const failingLocations = scenario.failingLocations ?? m.locations.length;
  const feeds = m.locations.map(
    (location, k) =>
      new TickFeed(m, store, rng, p, {
        fromMs: EPOCH,
        phaseMs: rng() * m.shard.invokeEverySeconds * 1000,
        verdict: (_tickAt, start) => (k < failingLocations && start >= regressionAt ? failing : HEALTHY),
        location,
      }),
  );
  const evaluators = evaluatorsFor(m, rng, evalFrom);
  const stop = (t: AlarmTransition) => !scenario.countPages && namesCheck(t, name) && t.atMs >= regressionAt;
  const transitions = evaluateUntil(evaluators, store, feeds, { fromMs: evalFrom, toMs: horizon }, stop);
  const firstFailurePublishedAt = Math.min(...feeds.map((f) => f.firstFailurePublishedAt ?? Infinity));
  const falseAlarm = transitions.some((t) => t.to === AlarmState.ALARM && (t.atMs < regressionAt || t.class === AlarmClass.SILENT));
  const pages = transitions.filter((t) => namesCheck(t, name) && t.atMs >= regressionAt);
  const page = pages[0];
  const direct = scenario.directPage && !slow && Number.isFinite(firstFailurePublishedAt) ? firstFailurePublishedAt : undefined;
  const pagedAt = Math.min(page?.atMs ?? Infinity, direct ?? Infinity);
  if (!Number.isFinite(pagedAt)) return { detectS: (horizon - regressionAt) / 1000, detected: false, falseAlarm, pages: 0 };
  const by = direct !== undefined && direct <= (page?.atMs ?? Infinity) ? 'direct page' : alarmKind(m.definitions.find((d) => d.id === page!.alarm)!);
  return { detectS: (pagedAt - regressionAt) / 1000, detected: true, falseAlarm, pagedBy: by, pages: pages.length };
}

/** The horizon of a regression trial: how long after its start a trial watches for the page. */
const horizonMs = (m: CheckModel) => 20 * Math.max(m.check.intervalSeconds * 1000, MINUTE_MS) + 10 * MINUTE_MS;

/** Simulate `p.trials` regressions, taking the configuration's checks in turn. */
export function simulateMttd(scenario: MttdScenario, params: Partial<MttdParams> = {}): MttdStats {
  const p: MttdParams = { ...DEFAULT_MTTD_PARAMS, ...params };
  const rng = seededRandom(p.seed);
  const models = checkModels(scenario.config, p);
  const detect: number[] = [];
  const pagedBy: Record<string, number> = {};
  let undetected = 0;
  let falseAlarms = 0;
  let pages = 0;
  let pagedTrials = 0;
  for (let i = 0; i < p.trials; i++) {
    const t = regressionTrial(models[i % models.length]!, scenario, rng, p);
    if (t.falseAlarm) falseAlarms++;
    if (!t.detected) undetected++;
    if (t.pagedBy) pagedBy[t.pagedBy] = (pagedBy[t.pagedBy] ?? 0) + 1;
    pages += t.pages;
    if (t.pages > 0) pagedTrials++;
    detect.push(t.detectS);
  }
  return {
    trials: p.trials,
    meanS: mean(detect),
    p95S: quantile(detect, 0.95),
    worstS: Math.max(...detect),
    undetected,
    falseAlarms,
    pagedBy,
    pages,
    pagedTrials,
    horizonMinutes: Math.max(...models.map(horizonMs)) / MINUTE_MS,
  };
}

// ---------------------------------------------------------------------------------------------
// False pages under transient blips

export interface BlipParams {
  /** Chance that one attempt fails on its own (independently of every other attempt). @default 0.005 */
  readonly attemptFailureP: number;
  /** What a failed attempt reads as: `reset` pages only through Failing, `refused` through the Refused class too. */
  readonly outcome: typeof Outcome.RESET | typeof Outcome.REFUSED;
  /** Check-months of ticks drawn. @default 200 */
  readonly checkMonths: number;
  /** Clusters of each stratum run through the evaluator (a uniform sample; the rest is extrapolated). @default 100 */
  readonly sampledClusters: number;
  readonly seed: number;
}

export const DEFAULT_BLIP_PARAMS: BlipParams = {
  attemptFailureP: 0.005,
  outcome: Outcome.RESET,
  checkMonths: 200,
  sampledClusters: 100,
  seed: 20261202,
};

export interface FalsePageStats {
  /** Ticks whose reported result failed, per check-month (one attempt failed, or both with the in-run retry). */
  readonly failedTicksPerCheckMonth: number;
  /** ALARM notifications that name the check (Insights contributor or the check's own alarm), per check-month. */
  readonly pagesPerCheckMonth: number;
  /** Clusters of failed ticks that paged at least once, per check-month. */
  readonly incidentsPerCheckMonth: number;
  readonly clusters: number;
  readonly clustersEvaluated: number;
}

const MONTH_S = 30 * 24 * 3600;
/**
 * Failed ticks closer than this belong to one cluster, and a cluster is evaluated until this long
 * after its last failed tick: longer than any evaluation range here (N + 2 periods of 60 s, N ≤ 3).
 */
const CLUSTER_GAP_MS = 6 * MINUTE_MS;

/** Strata of clusters, sampled separately: almost all are single failed ticks, and the rare close pairs decide M-of-N designs. */
function stratum(cluster: readonly number[], intervalMs: number): 'single' | 'close' | 'spread' {
  if (cluster.length === 1) return 'single';
  let minGap = Infinity;
  for (let i = 1; i < cluster.length; i++) minGap = Math.min(minGap, cluster[i]! - cluster[i - 1]!);
  return minGap * intervalMs <= MINUTE_MS ? 'close' : 'spread';
}

/**
 * False pages per check-month of the configuration's first check while the endpoint is healthy but
 * each attempt fails on its own with `attemptFailureP`, the blip over in less than a second (so an
 * in-run retry after ≥ 1 s is independent of the attempt it confirms). Ticks are drawn for
 * `checkMonths`; failed ticks are grouped into clusters; from each stratum of clusters (single
 * failed ticks, clusters with two failed ticks within a minute, the rest) a uniform sample is run
 * through the real alarms (datapoints, ingestion, evaluator at CloudWatch's cadence), and the pages
 * each stratum's sample caused are extrapolated to the whole stratum.
 *
 * A failed tick does not always page on 1 of 1: when its datapoint becomes visible only after the
 * next tick's healthy one, the evaluator judges just the most recent datapoint (CloudWatch's "N most
 * recent datapoints" rule) and the failure is never the one judged.
 */
export function simulateFalsePages(config: MonitorConfig, blip: Partial<BlipParams> = {}, params: Partial<MttdParams> = {}): FalsePageStats {
  const b: BlipParams = { ...DEFAULT_BLIP_PARAMS, ...blip };
  const p: MttdParams = { ...DEFAULT_MTTD_PARAMS, ...params };
  const rng = seededRandom(b.seed);
  const m = checkModels(config, p)[0]!;
  const intervalMs = m.check.intervalSeconds * 1000;
  const total = Math.round(((MONTH_S * 1000) / intervalMs) * b.checkMonths);
  // A tick's reported result fails when its attempt fails, or with the retry when both fail.
  const q = m.check.retryDelayMs > 0 ? b.attemptFailureP ** 2 : b.attemptFailureP;
  const gapTicks = Math.ceil(CLUSTER_GAP_MS / intervalMs);
  const strata = { single: [] as number[][], close: [] as number[][], spread: [] as number[][] };
  let failed = 0;
  let current: number[] | undefined;
  const close = () => current && strata[stratum(current, intervalMs)].push(current);
  // Failed ticks as a Bernoulli process: geometric gaps between them.
  for (let i = -1; ;) {
    i += 1 + Math.floor(Math.log(1 - rng()) / Math.log(1 - q));
    if (i >= total) break;
    failed++;
    if (current && i - current.at(-1)! <= gapTicks) current.push(i);
    else {
      close();
      current = [i];
    }
  }
  close();

  const failing: TickVerdict = { ok: false, outcome: b.outcome, slow: false };
  const evalFrom = EPOCH + m.historyMs;
  const pagesOf = (cluster: readonly number[]): number => {
    const phaseMs = rng() * m.shard.invokeEverySeconds * 1000;
    // The cluster's first failed tick falls at a random tick of a period after evaluation starts.
    const firstTick = Math.ceil((evalFrom + m.maxPeriodMs - EPOCH - phaseMs) / intervalMs) + Math.floor((rng() * m.maxPeriodMs) / intervalMs);
    const bad = new Set(cluster.map((i) => firstTick + i - cluster[0]!));
    const horizon = EPOCH + phaseMs + (firstTick + cluster.at(-1)! - cluster[0]!) * intervalMs + CLUSTER_GAP_MS;
    const store = new MetricStore();
    const feed = new TickFeed(m, store, rng, p, {
      fromMs: EPOCH,
      phaseMs,
      verdict: (tickAt) => (bad.has(Math.round((tickAt - EPOCH - phaseMs) / intervalMs)) ? failing : HEALTHY),
    });
    const transitions = evaluateUntil(evaluatorsFor(m, rng, evalFrom), store, feed, { fromMs: evalFrom, toMs: horizon }, () => false);
    return transitions.filter((t) => namesCheck(t, m.check.name)).length;
  };

  let pages = 0;
  let incidents = 0;
  let evaluated = 0;
  for (const clusters of Object.values(strata)) {
    const n = Math.min(b.sampledClusters, clusters.length);
    // A uniform sample without replacement (partial Fisher–Yates).
    for (let k = 0; k < n; k++) {
      const j = k + Math.floor(rng() * (clusters.length - k));
      [clusters[k], clusters[j]] = [clusters[j]!, clusters[k]!];
    }
    let sp = 0;
    let si = 0;
    for (const cluster of clusters.slice(0, n)) {
      const named = pagesOf(cluster);
      sp += named;
      if (named > 0) si++;
    }
    if (n > 0) {
      pages += (sp / n) * clusters.length;
      incidents += (si / n) * clusters.length;
    }
    evaluated += n;
  }
  return {
    failedTicksPerCheckMonth: failed / b.checkMonths,
    pagesPerCheckMonth: pages / b.checkMonths,
    incidentsPerCheckMonth: incidents / b.checkMonths,
    clusters: strata.single.length + strata.close.length + strata.spread.length,
    clustersEvaluated: evaluated,
  };
}
