/**
 * Time to detect, simulated with the real parts: the alarm definitions of the configuration, the
 * datapoints toMetricData makes of each result, and the local evaluator's CloudWatch semantics.
 * A regression starts at a random instant; the model adds everything between it and the page:
 *
 * - schedule: a rate schedule's runs keep a fixed phase inside the interval, random per trial
 *   (Scheduler starts counting when the schedule is created), plus a small per-run delivery delay;
 * - the probe: a failing attempt, the confirmation pause (retryDelayMs), the second attempt; the
 *   datapoint is stamped with the reported attempt's start (CheckResult.startedAt);
 * - publishing: one PutMetricData round trip, then CloudWatch's ingestion delay before the
 *   datapoint is visible to alarm evaluation (a parameter: 30–60 s by default; AWS documents no
 *   figure, and this is the range commonly observed);
 * - evaluation: CloudWatch evaluates a standard alarm once a minute, at a second of its own
 *   (random per trial), over complete periods only (the evaluator's rule).
 *
 * Not included: SNS delivery to email / pager (seconds) and a human noticing.
 * Everything random comes from one seeded PRNG, so the numbers are reproducible.
 */
import type { Check, MonitorConfig } from '../contracts/config';
import { toMetricData } from '../lambda/metrics/datums';
import { Outcome } from '../contracts/outcomes';
import type { CheckResult } from '../contracts/result';
import { checkAlarmDefinitions } from '../lib/alarms/definitions';
import { AlarmEvaluator, AlarmState, MetricStore } from '../lib/alarms/evaluator';
import { mean, quantile, seededRandom, uniform } from './stats';

/** The model's parameters; every duration in seconds. */
export interface MttdParams {
  readonly trials: number;
  readonly seed: number;
  /** CloudWatch ingestion delay, uniform in [min, max]. @default [30, 60] */
  readonly ingestionDelayS: readonly [number, number];
  /** Scheduler delivery delay after the scheduled instant, uniform in [0, max]. @default 5 */
  readonly deliveryDelayMaxS: number;
  /** A failing attempt that gets a quick answer (403, refused), uniform. @default [0.15, 0.6] */
  readonly quickFailureS: readonly [number, number];
  /** A healthy HTTP run; a healthy WebSocket run adds its settle window. @default 0.3 */
  readonly healthyRunS: number;
  /** PutMetricData round trip. @default 0.1 */
  readonly publishS: number;
  /** How often CloudWatch evaluates a standard alarm. @default 60 */
  readonly evaluationEveryS: number;
}

export const DEFAULT_MTTD_PARAMS: MttdParams = {
  trials: 2000,
  seed: 20261128,
  ingestionDelayS: [30, 60],
  deliveryDelayMaxS: 5,
  quickFailureS: [0.15, 0.6],
  healthyRunS: 0.3,
  publishS: 0.1,
  evaluationEveryS: 60,
};

/** What regresses, and how the page is raised. */
export interface MttdScenario {
  readonly name: string;
  readonly config: MonitorConfig;
  /** The outcome every run gets from the regression on: `timeout` attempts take the whole deadline. */
  readonly regression: typeof Outcome.FORBIDDEN | typeof Outcome.REFUSED | typeof Outcome.TIMEOUT;
  /**
   * Design option: the function pages (SNS Publish) itself on a confirmed refused/forbidden, so the
   * page leaves with the run, not after ingestion and evaluation. @default false
   */
  readonly directPage?: boolean;
}

export interface MttdStats {
  readonly meanS: number;
  readonly p95S: number;
  readonly worstS: number;
  /** Trials whose regression was not detected within the horizon (counted at the horizon). */
  readonly undetected: number;
  /** Alarms that fired before the regression started (must be 0). */
  readonly falseAlarms: number;
}

const EPOCH = Date.UTC(2026, 0, 1);

function failingAttemptS(check: Check, regression: MttdScenario['regression'], rng: () => number, p: MttdParams): number {
  return regression === Outcome.TIMEOUT ? check.timeoutMs / 1000 : uniform(rng, p.quickFailureS[0], p.quickFailureS[1]);
}

function result(check: Check, ok: boolean, outcome: CheckResult['outcome'], startMs: number, totalMs: number, attempts: number): CheckResult {
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

/** One trial: seconds from the regression's start to the first alarm (or direct page) it causes. */
function trial(scenario: MttdScenario, check: Check, rng: () => number, p: MttdParams): { detectS?: number; falseAlarm: boolean } {
  const { config, regression } = scenario;
  const periodMs = config.intervalMinutes * 60_000;
  const definitions = checkAlarmDefinitions(config, check);
  const evaluationEveryMs = p.evaluationEveryS * 1000;
  // Enough healthy history before the regression for every alarm to settle in OK.
  const warmPeriods = Math.max(...definitions.map((d) => d.evaluationPeriods)) + 4;
  const phaseMs = rng() * periodMs;
  const evalPhaseMs = rng() * evaluationEveryMs;
  const regressionAt = EPOCH + warmPeriods * periodMs + rng() * periodMs;
  const horizon = regressionAt + 20 * periodMs + 10 * 60_000;
  const store = new MetricStore();
  let directPageAt: number | undefined;

  for (let k = 0; ; k++) {
    const scheduled = EPOCH + phaseMs + k * periodMs;
    if (scheduled > horizon) break;
    const start = scheduled + rng() * p.deliveryDelayMaxS * 1000;
    let r: CheckResult;
    let endMs: number;
    if (start < regressionAt) {
      const runS = p.healthyRunS + (check.kind === 'websocket' ? check.settleMs / 1000 : 0);
      r = result(check, true, Outcome.OK, start, runS * 1000, 1);
      endMs = start + runS * 1000;
    } else {
      const first = failingAttemptS(check, regression, rng, p) * 1000;
      if (check.retryDelayMs > 0) {
        const retryAt = start + first + check.retryDelayMs;
        const second = failingAttemptS(check, regression, rng, p) * 1000;
        // The reported attempt is the confirmation: its start stamps the datapoint.
        r = result(check, false, regression, retryAt, second, 2);
        endMs = retryAt + second;
      } else {
        r = result(check, false, regression, start, first, 1);
        endMs = start + first;
      }
    }
    const publishedAt = endMs + p.publishS * 1000;
    if (!r.ok && scenario.directPage && regression !== Outcome.TIMEOUT) directPageAt ??= publishedAt;
    const visibleAtMs = publishedAt + uniform(rng, p.ingestionDelayS[0], p.ingestionDelayS[1]) * 1000;
    store.put(config.namespace, toMetricData([r], { phaseTimings: config.phaseTimings }), { visibleAtMs });
  }

  const evaluators = definitions.map((d) => new AlarmEvaluator(d));
  let falseAlarm = false;
  let alarmAt: number | undefined;
  // Evaluation starts once the history covers every alarm's range: the first state is then OK, as
  // for a monitor that has been running for a while (a brand-new Silent alarm would start in ALARM).
  const evalStart = EPOCH + (warmPeriods - 1) * periodMs + evalPhaseMs;
  for (let t = evalStart; t <= horizon && alarmAt === undefined; t += evaluationEveryMs) {
    for (const e of evaluators) {
      const change = e.evaluate(store, t);
      if (change?.to !== AlarmState.ALARM) continue;
      if (t < regressionAt) falseAlarm = true;
      else alarmAt ??= t;
    }
  }
  const firstAt = Math.min(alarmAt ?? Infinity, directPageAt ?? Infinity);
  return { ...(Number.isFinite(firstAt) ? { detectS: (firstAt - regressionAt) / 1000 } : {}), falseAlarm };
}

/** Simulate `p.trials` regressions, taking the configuration's checks in turn. */
export function simulateMttd(scenario: MttdScenario, params: Partial<MttdParams> = {}): MttdStats {
  const p: MttdParams = { ...DEFAULT_MTTD_PARAMS, ...params };
  const rng = seededRandom(p.seed);
  const checks = scenario.config.checks;
  const detect: number[] = [];
  let undetected = 0;
  let falseAlarms = 0;
  for (let i = 0; i < p.trials; i++) {
    const check = checks[i % checks.length]!;
    const t = trial(scenario, check, rng, p);
    if (t.falseAlarm) falseAlarms++;
    if (t.detectS === undefined) {
      undetected++;
      detect.push((20 * scenario.config.intervalMinutes + 10) * 60);
    } else detect.push(t.detectS);
  }
  return { meanS: mean(detect), p95S: quantile(detect, 0.95), worstS: Math.max(...detect), undetected, falseAlarms };
}
