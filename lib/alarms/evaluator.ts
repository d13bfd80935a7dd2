/**
 * A local alarm evaluator with CloudWatch's semantics (DESIGN §7), so the demo, the tests and the
 * benchmark show when each alarm of `alarmDefinitions(config)` would fire, without AWS.
 *
 * The rules follow the CloudWatch User Guide, "Evaluating an alarm" and "Configuring how CloudWatch
 * alarms treat missing data" (awsdocs/amazon-cloudwatch-user-guide, doc_source/AlarmThatSendsEmail.md),
 * plus the knowledge-center article "Why did my CloudWatch alarm send me a notification after a
 * single breached data point?" for the one case the tables show but the prose does not explain:
 *
 * 1. Datapoints are aggregated per period (aligned on the epoch) with the alarm's statistic, over the
 *    metric that matches namespace, name and the exact dimension set.
 * 2. Each evaluation retrieves an *evaluation range* of complete periods, longer than N (the
 *    evaluation periods): the docs' example retrieves 5 for N = 3. The real length "depends on the
 *    period"; N + 2 is assumed here and can be overridden.
 * 3. No datapoint in the range: missing → INSUFFICIENT_DATA, ignore → keep the state, breaching →
 *    ALARM, notBreaching → OK.
 * 4. At least N real datapoints: the N most recent real ones are evaluated; missing periods between
 *    them are skipped and the treatment is not used.
 * 5. Fewer than N: all real ones are evaluated, and the rest is filled with the treatment
 *    (breaching / notBreaching). With missing / ignore nothing is filled: ALARM when at least M real
 *    ones breach, OK when any real one does not; when the real ones all breach but are fewer than M,
 *    missing → ALARM if the oldest breaching datapoint is at least M periods old (the knowledge-center
 *    case, row "X - - - -" of the docs' table), else INSUFFICIENT_DATA; ignore keeps the state.
 * 6. Otherwise ALARM when at least M (datapoints to alarm) of the N evaluated datapoints breach, else OK.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { AlarmDefinition, AlarmKind, AlarmMetric, ComparisonOperator, Statistic, TreatMissingData } from './definitions';

/** The three states of a CloudWatch metric alarm. */
export const AlarmState = {
  OK: 'OK',
  ALARM: 'ALARM',
  INSUFFICIENT_DATA: 'INSUFFICIENT_DATA',
} as const;
export type AlarmState = (typeof AlarmState)[keyof typeof AlarmState];

/** One state change, as CloudWatch's alarm history would record it. */
export interface AlarmTransition {
  /** The definition's `id`, e.g. `chat-websocket-Forbidden`. */
  readonly alarm: string;
  readonly kind: AlarmKind;
  readonly check: string;
  readonly from: AlarmState;
  readonly to: AlarmState;
  /** The evaluation time. */
  readonly atMs: number;
  /** Why, in the spirit of CloudWatch's StateReason. */
  readonly reason: string;
}

/** One period's aggregate; `value` is absent when the period has no visible datapoint. */
export interface PeriodValue {
  readonly startMs: number;
  readonly value?: number;
}

interface Sample {
  readonly timestampMs: number;
  readonly visibleAtMs: number;
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
}

export interface PutOptions {
  /**
   * When the datapoints become visible to evaluations, modelling CloudWatch's ingestion delay.
   * Also the timestamp of a datum that has none (CloudWatch stamps those on receipt).
   * @default - visible at once
   */
  readonly visibleAtMs?: number;
}

/** A metric's identity: namespace, name and the exact set of dimensions (order does not matter). */
function seriesKey(namespace: string, metricName: string, dimensions: Iterable<readonly [string, string]>): string {
  const dims = [...dimensions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => `${n}=${v}`);
  return JSON.stringify([namespace, metricName, dims]);
}

/**
 * In-memory metric storage with CloudWatch's identity rules: a datum only belongs to an alarm's
 * metric when namespace, name and the whole dimension set match (a Failures datum with Check and
 * Reason is a different metric from one with Check only).
 */
export class MetricStore {
  private readonly series = new Map<string, Sample[]>();

  /** Store PutMetricData datums. Invalid datums throw (CloudWatch would reject the whole call). */
  put(namespace: string, datums: readonly MetricDatum[], opts: PutOptions = {}): void {
    const visibleAtMs = opts.visibleAtMs ?? Number.NEGATIVE_INFINITY;
    const parsed = datums.map((datum, i) => {
      const where = `datum[${i}] (${datum.MetricName ?? 'no MetricName'})`;
      if (!datum.MetricName) throw new TypeError(`${where}: MetricName is required`);
      const dims = new Map<string, string>();
      for (const d of datum.Dimensions ?? []) {
        if (!d.Name || d.Value === undefined) throw new TypeError(`${where}: every dimension needs Name and Value`);
        if (dims.has(d.Name)) throw new TypeError(`${where}: dimension ${d.Name} appears twice`);
        dims.set(d.Name, d.Value);
      }
      const timestampMs = datum.Timestamp === undefined ? opts.visibleAtMs : new Date(datum.Timestamp).getTime();
      if (timestampMs === undefined || !Number.isFinite(timestampMs)) {
        throw new TypeError(`${where}: needs a valid Timestamp (or opts.visibleAtMs as the receipt time)`);
      }
      return { key: seriesKey(namespace, datum.MetricName, dims), sample: { timestampMs, visibleAtMs, ...aggregateDatum(datum, where) } };
    });
    for (const { key, sample } of parsed) {
      const list = this.series.get(key);
      if (list) list.push(sample);
      else this.series.set(key, [sample]);
    }
  }

  /**
   * The metric's aggregate per period over [fromMs, toMs), oldest first, counting only the
   * datapoints visible at `nowMs`. `fromMs` and `toMs` should be period boundaries.
   */
  periodValues(metric: AlarmMetric, range: { fromMs: number; toMs: number; nowMs: number }): PeriodValue[] {
    const periodMs = metric.periodSeconds * 1000;
    const samples = this.series.get(seriesKey(metric.namespace, metric.metricName, Object.entries(metric.dimensions))) ?? [];
    const buckets = new Map<number, { sum: number; count: number; min: number; max: number }>();
    for (const s of samples) {
      if (s.visibleAtMs > range.nowMs || s.timestampMs < range.fromMs || s.timestampMs >= range.toMs) continue;
      const start = Math.floor(s.timestampMs / periodMs) * periodMs;
      const b = buckets.get(start);
      if (b) {
        b.sum += s.sum;
        b.count += s.count;
        b.min = Math.min(b.min, s.min);
        b.max = Math.max(b.max, s.max);
      } else buckets.set(start, { sum: s.sum, count: s.count, min: s.min, max: s.max });
    }
    const out: PeriodValue[] = [];
    for (let start = range.fromMs; start < range.toMs; start += periodMs) {
      const b = buckets.get(start);
      out.push(b ? { startMs: start, value: statistic(metric.statistic, b) } : { startMs: start });
    }
    return out;
  }
}

function aggregateDatum(datum: MetricDatum, where: string): Omit<Sample, 'timestampMs' | 'visibleAtMs'> {
  if (datum.StatisticValues) {
    const { SampleCount, Sum, Minimum, Maximum } = datum.StatisticValues;
    if (![SampleCount, Sum, Minimum, Maximum].every((n) => typeof n === 'number' && Number.isFinite(n)) || !(SampleCount! > 0)) {
      throw new TypeError(`${where}: StatisticValues needs finite SampleCount > 0, Sum, Minimum and Maximum`);
    }
    return { sum: Sum!, count: SampleCount!, min: Minimum!, max: Maximum! };
  }
  if (datum.Values && datum.Values.length > 0) {
    const counts = datum.Counts ?? [];
    let sum = 0;
    let count = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    datum.Values.forEach((v, i) => {
      const c = counts[i] ?? 1;
      if (!Number.isFinite(v) || !Number.isFinite(c) || c <= 0) throw new TypeError(`${where}: Values[${i}] / Counts[${i}] must be finite, counts > 0`);
      sum += v * c;
      count += c;
      min = Math.min(min, v);
      max = Math.max(max, v);
    });
    return { sum, count, min, max };
  }
  if (typeof datum.Value !== 'number' || !Number.isFinite(datum.Value)) throw new TypeError(`${where}: Value must be a finite number`);
  return { sum: datum.Value, count: 1, min: datum.Value, max: datum.Value };
}

function statistic(stat: Statistic, b: { sum: number; count: number; min: number; max: number }): number {
  switch (stat) {
    case 'Sum':
      return b.sum;
    case 'Average':
      return b.sum / b.count;
    case 'Minimum':
      return b.min;
    case 'Maximum':
      return b.max;
    case 'SampleCount':
      return b.count;
  }
}

const OPERATOR: Readonly<Record<ComparisonOperator, { test: (v: number, t: number) => boolean; text: string }>> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, text: '>=' },
  GreaterThanThreshold: { test: (v, t) => v > t, text: '>' },
  LessThanThreshold: { test: (v, t) => v < t, text: '<' },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, text: '<=' },
};

const TREATED_AS: Readonly<Record<TreatMissingData, string>> = {
  breaching: 'breaching',
  notBreaching: 'not breaching',
  ignore: 'ignored (state kept)',
  missing: 'missing',
};

export interface EvaluatorOptions {
  /**
   * Periods retrieved per evaluation (CloudWatch's "evaluation range"); must be at least N.
   * @default - evaluationPeriods + 2 (the docs' example retrieves 5 datapoints for N = 3)
   */
  readonly evaluationRangePeriods?: number;
  /** How period start times read in `reason`. @default - HH:MM in UTC */
  readonly formatTime?: (ms: number) => string;
}

/** Outcome of one evaluation: the state CloudWatch would set (`undefined` = keep) and why. */
interface Verdict {
  readonly state?: AlarmState;
  readonly reason: string;
}

/** Evaluates one alarm definition against a MetricStore, keeping state and history like CloudWatch. */
export class AlarmEvaluator {
  /** Current state; CloudWatch creates alarms in INSUFFICIENT_DATA. */
  state: AlarmState = AlarmState.INSUFFICIENT_DATA;
  /** Why the last evaluation reached (or kept) the state. */
  stateReason = 'Unchecked: initial alarm creation';
  /** Every state change so far, oldest first. */
  readonly transitions: AlarmTransition[] = [];
  /** Periods retrieved per evaluation. */
  readonly evaluationRangePeriods: number;
  private readonly formatTime: (ms: number) => string;

  constructor(
    readonly definition: AlarmDefinition,
    options: EvaluatorOptions = {},
  ) {
    const { evaluationPeriods: n, datapointsToAlarm: m } = definition;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${definition.id}: evaluationPeriods must be a whole number >= 1, got ${n}`);
    if (!Number.isInteger(m) || m < 1 || m > n) {
      throw new RangeError(`${definition.id}: datapointsToAlarm (${m}) must be between 1 and evaluationPeriods (${n})`);
    }
    if (!(definition.metric.periodSeconds > 0)) throw new RangeError(`${definition.id}: periodSeconds must be positive, got ${definition.metric.periodSeconds}`);
    this.formatTime = options.formatTime ?? ((ms) => new Date(ms).toISOString().slice(11, 16));
    this.evaluationRangePeriods = options.evaluationRangePeriods ?? n + 2;
    if (!Number.isInteger(this.evaluationRangePeriods) || this.evaluationRangePeriods < n) {
      throw new RangeError(`${definition.id}: evaluationRangePeriods (${this.evaluationRangePeriods}) must be a whole number >= evaluationPeriods (${n})`);
    }
  }

  /**
   * Evaluate at `nowMs` over the complete periods before it; returns the transition when the state
   * changed (also recorded in `transitions`), else undefined.
   */
  evaluate(store: MetricStore, nowMs: number): AlarmTransition | undefined {
    const verdict = this.verdict(store, nowMs);
    this.stateReason = verdict.reason;
    if (verdict.state === undefined || verdict.state === this.state) return undefined;
    const d = this.definition;
    const transition: AlarmTransition = { alarm: d.id, kind: d.kind, check: d.check, from: this.state, to: verdict.state, atMs: nowMs, reason: verdict.reason };
    this.state = verdict.state;
    this.transitions.push(transition);
    return transition;
  }

  private verdict(store: MetricStore, nowMs: number): Verdict {
    const d = this.definition;
    const { evaluationPeriods: n, datapointsToAlarm: m, treatMissingData: treat } = d;
    const periodMs = d.metric.periodSeconds * 1000;
    const range = this.evaluationRangePeriods;
    // Only complete periods count: the one containing `nowMs` is still filling.
    const toMs = Math.floor(nowMs / periodMs) * periodMs;
    const periods = store.periodValues(d.metric, { fromMs: toMs - range * periodMs, toMs, nowMs });
    const op = OPERATOR[d.comparisonOperator];
    const real = periods
      .map((p, index) => ({ ...p, age: range - index, breaching: p.value !== undefined && op.test(p.value, d.threshold) }))
      .filter((p): p is typeof p & { value: number } => p.value !== undefined);
    const cond = `${d.metric.statistic} ${op.text} ${d.threshold}`;
    const list = (pts: typeof real) => pts.map((p) => `${round(p.value)} (${this.formatTime(p.startMs)})`).join(', ');

    if (real.length === 0) {
      const why = `no datapoints in the last ${range} periods; missing data treated as ${TREATED_AS[treat]}`;
      switch (treat) {
        case 'missing':
          return { state: AlarmState.INSUFFICIENT_DATA, reason: `Insufficient data: ${why}` };
        case 'ignore':
          return { reason: `Unchanged: ${why}` };
        case 'breaching':
          return { state: AlarmState.ALARM, reason: `Threshold crossed: ${why}` };
        case 'notBreaching':
          return { state: AlarmState.OK, reason: `Threshold not crossed: ${why}` };
      }
    }

    const mOfN = (breaching: number, evaluated: string): Verdict =>
      breaching >= m
        ? { state: AlarmState.ALARM, reason: `Threshold crossed: ${breaching} of the last ${n} datapoints [${evaluated}] breached ${cond} (needs ${m} of ${n})` }
        : { state: AlarmState.OK, reason: `Threshold not crossed: ${breaching} of the last ${n} datapoints [${evaluated}] breached ${cond} (needs ${m} of ${n})` };

    if (real.length >= n) {
      const evaluated = real.slice(-n);
      return mOfN(evaluated.filter((p) => p.breaching).length, list(evaluated));
    }

    const fills = n - real.length;
    const breachingReal = real.filter((p) => p.breaching).length;
    const evaluated = `${list(real)}, ${fills} missing treated as ${TREATED_AS[treat]}`;
    switch (treat) {
      case 'breaching':
        return mOfN(breachingReal + fills, evaluated);
      case 'notBreaching':
        return mOfN(breachingReal, evaluated);
      case 'missing':
      case 'ignore': {
        if (breachingReal >= m || breachingReal < real.length) return mOfN(breachingReal, evaluated);
        const oldest = real[0]!;
        if (treat === 'ignore') return { reason: `Unchanged: only breaching datapoints [${evaluated}], fewer than ${m}` };
        return oldest.age >= m
          ? { state: AlarmState.ALARM, reason: `Threshold crossed: only breaching datapoints [${evaluated}], the oldest ${oldest.age} periods old (>= ${m})` }
          : { state: AlarmState.INSUFFICIENT_DATA, reason: `Insufficient data: only ${real.length} breaching datapoint(s) [${evaluated}], fewer than ${m}` };
      }
    }
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** Evaluate every alarm at `nowMs`; returns the transitions, in the evaluators' order. */
export function evaluateAll(evaluators: readonly AlarmEvaluator[], store: MetricStore, nowMs: number): AlarmTransition[] {
  const out: AlarmTransition[] = [];
  for (const e of evaluators) {
    const t = e.evaluate(store, nowMs);
    if (t) out.push(t);
  }
  return out;
}
