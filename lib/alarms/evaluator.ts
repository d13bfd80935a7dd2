/**
 * A local alarm evaluator with CloudWatch's semantics (docs/DESIGN.md#alarms), so the demo, the tests and the
 * benchmark show when each alarm the stack deploys (./model.ts) would fire and notify, without AWS.
 *
 * Single-metric alarms follow the CloudWatch User Guide, "Evaluating an alarm" and "Configuring how
 * CloudWatch alarms treat missing data" (awsdocs/amazon-cloudwatch-user-guide, doc_source/AlarmThatSendsEmail.md),
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
 *
 * Resolution and cadence (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html):
 * 7. "If the alarm period is 10 seconds, 20 seconds, or 30 seconds, the alarm is evaluated every 10
 *    seconds"; "For any period of one minute or longer, an alarm is evaluated every minute". Only
 *    complete periods count. A datum published without StorageResolution 1 is stored at one-minute
 *    granularity, so a 10 s alarm sees it in the period that starts the minute and misses the others
 *    (PutMetricAlarm, Period: a 10/20/30 s alarm on a metric without sub-minute resolution "does not
 *    receive data for the attempts that do not correspond to a one-minute data resolution").
 *
 * Metrics Insights multi-time-series alarms (InsightsAlarmDefinition):
 * 8. The query is run over the evaluation range, clipped to the last 3 hours ("Only the latest 3 hours
 *    of data can be used for evaluating the alarm's conditions" —
 *    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html): series with
 *    exactly the SCHEMA dimension keys and the WHERE values, grouped by the GROUP BY dimension, each
 *    group aggregated per period; groups ordered by the aggregate over the range, at most LIMIT.
 * 9. Every group (contributor) is judged with rules 3–6 on its own, but "each time series
 *    (contributor) can only be in ALARM or OK state, never in INSUFFICIENT_DATA state. This is because
 *    a time series only exists when data is present"
 *    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Acting_Alarm_Changes.html): a
 *    contributor with no data in the range is gone (back to OK if it was in ALARM), and a verdict of
 *    INSUFFICIENT_DATA / unchanged keeps the contributor's state. "Alarms evaluating multiple time
 *    series will limit the number of contributors in ALARM to 100" (alarm-limits.html).
 * 10. The alarm is in ALARM while any contributor is: "as soon as at least one contributor is in alarm,
 *    the alarm also enters the alarm state"
 *    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/multi-time-series-alarm.html);
 *    otherwise OK while the query returns series. When it returns none, rule 3 applies at the alarm
 *    level (the query's "no datapoint in the range"): notBreaching → OK, missing → INSUFFICIENT_DATA,
 *    ignore → keep, breaching → ALARM (an assumption: the docs describe only the contributors).
 *    So a new alarm leaves INSUFFICIENT_DATA at its first evaluation like any PutMetricAlarm alarm:
 *    "the alarm state is immediately set to INSUFFICIENT_DATA… The alarm is then evaluated and its
 *    state is set appropriately" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 *
 * Notifications and warm-up:
 * 11. Every state change is a transition; "Any actions associated with the new state are then
 *    executed", so INSUFFICIENT_DATA → OK runs the OK actions (a notification when OK actions are
 *    configured). SNS notifications go out at alarm level and at contributor level (Acting_Alarm_Changes.html),
 *    so an Insights alarm returns one transition per contributor change plus one for the alarm itself.
 * 12. Warm-up (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-warm-up.html):
 *    "During warm-up, the alarm stays in INSUFFICIENT_DATA and does not perform alarm actions" — no
 *    evaluation, no transition, no contributor. With OnlyStartEvaluatingAfterWarmUpPeriodEnds at its
 *    default (false) "the alarm ends warm-up early. Evaluation begins as soon as enough data fills its
 *    evaluation window": modelled as the N most recent complete periods all holding a datapoint (for
 *    an Insights alarm: of one contributor). "Warm-up applies only once at alarm creation and does not
 *    restart." The evaluation that ends warm-up is an ordinary one: its INSUFFICIENT_DATA → OK is a
 *    state change after warm-up, and the docs skip actions only *during* warm-up, so it is recorded and
 *    notifies. Warm-up therefore removes the false ALARM (and its OK) of an alarm created before its
 *    data exists (a Silent alarm treating missing data as breaching), not the INSUFFICIENT_DATA → OK
 *    of each new alarm: the monitor's alarms have no actions, and its notification rule does not
 *    forward that transition (./events.ts; test/alarms/notifications.test.ts).
 *
 * Metric math alarms (MathAlarmDefinition):
 * 13. `a - b` of two metric queries is computed per period where both have a value, then judged
 *    like a single metric with rules 3–7. Only this form is modelled, and the stack uses it only on
 *    two statistics of one metric (SampleCount and Sum of Success), so a period holds both values or
 *    neither: how CloudWatch pairs two unrelated series' timestamps is never exercised. Sub-minute
 *    periods are allowed in a math alarm's queries: "For high-resolution metrics … the period can be
 *    1, 5, 10, 20, 30, 60, or any multiple of 60" (AWS::CloudWatch::Alarm MetricStat, Period,
 *    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cloudwatch-alarm-metricstat.html).
 *
 * Ingestion delay: a datapoint counts only once visible (`PutOptions.visibleAtMs`).
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { Dimension } from '../../contracts/metrics';
import { InsightsQueryError, parseQuery } from './insights';
import {
  alarmPeriodSeconds,
  parseMathExpression,
  renderInsightsQuery,
  type AlarmClass,
  type AlarmDefinition,
  type AlarmMetric,
  type ComparisonOperator,
  type InsightsAlarmDefinition,
  type InsightsSelect,
  type Statistic,
  type TreatMissingData,
} from './model';

/** The three states of a CloudWatch metric alarm. */
export const AlarmState = {
  OK: 'OK',
  ALARM: 'ALARM',
  INSUFFICIENT_DATA: 'INSUFFICIENT_DATA',
} as const;
export type AlarmState = (typeof AlarmState)[keyof typeof AlarmState];

/** A contributor of a multi-time-series alarm is in ALARM or OK, never INSUFFICIENT_DATA. */
export type ContributorState = typeof AlarmState.OK | typeof AlarmState.ALARM;

/**
 * One state change, as CloudWatch's alarm history would record it; each one runs the actions of its
 * new state (an SNS notification for ALARM and OK when the alarm has those actions).
 */
export interface AlarmTransition {
  /** The definition's `id`, e.g. `Refused-60s`. */
  readonly alarm: string;
  readonly class: AlarmClass;
  /**
   * The check concerned: the definition's `check` for a single-metric alarm, the contributor for an
   * Insights alarm grouped by Check. Absent for an alarm-level change of an Insights alarm.
   */
  readonly check?: string;
  /** Set on a contributor-level change of an Insights alarm: the GROUP BY value. */
  readonly contributor?: string;
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

/** One group of a Metrics Insights query result (one contributor of a multi-time-series alarm). */
export interface InsightsGroup {
  /** The GROUP BY dimension's value. */
  readonly group: string;
  /** The ORDER BY value: the query's aggregate over every visible datapoint of the group in the range. */
  readonly orderValue: number;
  /** The group's aggregate per period over the range, oldest first. */
  readonly periods: readonly PeriodValue[];
  /** How many metrics (dimension combinations) the group aggregates. */
  readonly seriesCount: number;
}

interface Sample {
  /** The stored timestamp: the minute's start for standard-resolution data. */
  readonly timestampMs: number;
  readonly visibleAtMs: number;
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
}

interface Series {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: ReadonlyMap<string, string>;
  readonly samples: Sample[];
}

interface Bucket {
  sum: number;
  count: number;
  min: number;
  max: number;
}

export interface PutOptions {
  /**
   * When the datapoints become visible to evaluations, modelling CloudWatch's ingestion delay.
   * Also the timestamp of a datum that has none (CloudWatch stamps those on receipt).
   * @default - visible at once
   */
  readonly visibleAtMs?: number;
}

/** A range of complete periods [fromMs, toMs) read at `nowMs` (only datapoints visible then count). */
export interface PeriodRange {
  readonly fromMs: number;
  readonly toMs: number;
  readonly nowMs: number;
}

const MINUTE_MS = 60_000;
/** alarm-limits.html: "Only the latest 3 hours of data can be used for evaluating the alarm's conditions". */
const INSIGHTS_LOOKBACK_MS = 3 * 60 * MINUTE_MS;
/** alarm-limits.html: "Alarms evaluating multiple time series will limit the number of contributors in ALARM to 100". */
export const MAX_CONTRIBUTORS_IN_ALARM = 100;
/** alarm-limits.html: a query that "returns more than 500 time series" evaluates on partial data. */
export const MAX_INSIGHTS_SERIES = 500;

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
  private readonly series = new Map<string, Series>();

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
      const rawMs = datum.Timestamp === undefined ? opts.visibleAtMs : new Date(datum.Timestamp).getTime();
      if (rawMs === undefined || !Number.isFinite(rawMs)) {
        throw new TypeError(`${where}: needs a valid Timestamp (or opts.visibleAtMs as the receipt time)`);
      }
      if (datum.StorageResolution !== undefined && datum.StorageResolution !== 1 && datum.StorageResolution !== 60) {
        throw new TypeError(`${where}: StorageResolution must be 1 or 60, got ${datum.StorageResolution}`);
      }
      // Standard resolution keeps one-minute granularity: the datum lands in its minute.
      const timestampMs = datum.StorageResolution === 1 ? rawMs : Math.floor(rawMs / MINUTE_MS) * MINUTE_MS;
      return {
        key: seriesKey(namespace, datum.MetricName, dims),
        metricName: datum.MetricName,
        dims,
        sample: { timestampMs, visibleAtMs, ...aggregateDatum(datum, where) },
      };
    });
    for (const { key, metricName, dims, sample } of parsed) {
      const series = this.series.get(key);
      if (series) series.samples.push(sample);
      else this.series.set(key, { namespace, metricName, dimensions: dims, samples: [sample] });
    }
  }

  /**
   * The metric's aggregate per period over [fromMs, toMs), oldest first, counting only the
   * datapoints visible at `nowMs`. `fromMs` and `toMs` should be period boundaries.
   */
  periodValues(metric: AlarmMetric, range: PeriodRange): PeriodValue[] {
    const periodMs = metric.periodSeconds * 1000;
    const series = this.series.get(seriesKey(metric.namespace, metric.metricName, Object.entries(metric.dimensions)));
    const buckets = new Map<number, Bucket>();
    if (series) addToBuckets(buckets, series.samples, periodMs, range);
    return toPeriods(buckets, periodMs, range, (b) => statistic(metric.statistic, b));
  }

  /**
   * Run a Metrics Insights query (the subset InsightsSelect models) over [fromMs, toMs) with the
   * given period: every group with at least one visible datapoint in the range, ordered by the
   * aggregate over the range, descending (ties by group name). LIMIT is not applied here, so the
   * caller can tell how many groups it drops.
   */
  queryInsights(select: InsightsSelect, range: PeriodRange & { readonly periodSeconds: number }): InsightsGroup[] {
    const periodMs = range.periodSeconds * 1000;
    const stat = INSIGHTS_STATISTIC[select.aggregate];
    const schema = new Set(select.schemaDimensions);
    const where = Object.entries(select.where);
    const groups = new Map<string, { buckets: Map<number, Bucket>; total: Bucket; seriesCount: number }>();
    for (const s of this.series.values()) {
      if (s.namespace !== select.namespace || s.metricName !== select.metricName) continue;
      // SCHEMA(ns, a, b): exactly these dimension keys, no more and no fewer.
      if (s.dimensions.size !== schema.size || ![...s.dimensions.keys()].every((k) => schema.has(k))) continue;
      if (!where.every(([k, v]) => s.dimensions.get(k) === v)) continue;
      const group = s.dimensions.get(select.groupBy);
      if (group === undefined) continue;
      const buckets = new Map<number, Bucket>();
      if (!addToBuckets(buckets, s.samples, periodMs, range)) continue;
      const g = groups.get(group) ?? { buckets: new Map<number, Bucket>(), total: emptyBucket(), seriesCount: 0 };
      g.seriesCount++;
      for (const [start, b] of buckets) {
        const into = g.buckets.get(start);
        if (into) mergeBucket(into, b);
        else g.buckets.set(start, { ...b });
        mergeBucket(g.total, b);
      }
      groups.set(group, g);
    }
    return [...groups.entries()]
      .map(([group, g]) => ({
        group,
        orderValue: statistic(stat, g.total),
        periods: toPeriods(g.buckets, periodMs, range, (b) => statistic(stat, b)),
        seriesCount: g.seriesCount,
      }))
      .sort((a, b) => b.orderValue - a.orderValue || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  }
}

const INSIGHTS_STATISTIC: Readonly<Record<InsightsSelect['aggregate'], Statistic>> = {
  SUM: 'Sum',
  AVG: 'Average',
  MIN: 'Minimum',
  MAX: 'Maximum',
  COUNT: 'SampleCount',
};

const emptyBucket = (): Bucket => ({ sum: 0, count: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY });

function mergeBucket(into: Bucket, b: Bucket): void {
  into.sum += b.sum;
  into.count += b.count;
  into.min = Math.min(into.min, b.min);
  into.max = Math.max(into.max, b.max);
}

/** Add the samples visible at `nowMs` within [fromMs, toMs) to per-period buckets; true when any was added. */
function addToBuckets(buckets: Map<number, Bucket>, samples: readonly Sample[], periodMs: number, range: PeriodRange): boolean {
  let added = false;
  for (const s of samples) {
    if (s.visibleAtMs > range.nowMs || s.timestampMs < range.fromMs || s.timestampMs >= range.toMs) continue;
    const start = Math.floor(s.timestampMs / periodMs) * periodMs;
    const b = buckets.get(start);
    if (b) mergeBucket(b, s);
    else buckets.set(start, { sum: s.sum, count: s.count, min: s.min, max: s.max });
    added = true;
  }
  return added;
}

function toPeriods(buckets: ReadonlyMap<number, Bucket>, periodMs: number, range: PeriodRange, value: (b: Bucket) => number): PeriodValue[] {
  const out: PeriodValue[] = [];
  for (let start = range.fromMs; start < range.toMs; start += periodMs) {
    const b = buckets.get(start);
    out.push(b ? { startMs: start, value: value(b) } : { startMs: start });
  }
  return out;
}

function aggregateDatum(datum: MetricDatum, where: string): Bucket {
  if (datum.StatisticValues) {
    const { SampleCount, Sum, Minimum, Maximum } = datum.StatisticValues;
    if (![SampleCount, Sum, Minimum, Maximum].every((n) => typeof n === 'number' && Number.isFinite(n)) || !(SampleCount! > 0)) {
      throw new TypeError(`${where}: StatisticValues needs finite SampleCount > 0, Sum, Minimum and Maximum`);
    }
    return { sum: Sum!, count: SampleCount!, min: Minimum!, max: Maximum! };
  }
  if (datum.Values && datum.Values.length > 0) {
    const counts = datum.Counts ?? [];
    const b = emptyBucket();
    datum.Values.forEach((v, i) => {
      const c = counts[i] ?? 1;
      if (!Number.isFinite(v) || !Number.isFinite(c) || c <= 0)
        throw new TypeError(`${where}: Values[${i}] / Counts[${i}] must be finite, counts > 0`);
      mergeBucket(b, { sum: v * c, count: c, min: v, max: v });
    });
    return b;
  }
  if (typeof datum.Value !== 'number' || !Number.isFinite(datum.Value)) throw new TypeError(`${where}: Value must be a finite number`);
  return { sum: datum.Value, count: 1, min: datum.Value, max: datum.Value };
}

function statistic(stat: Statistic, b: Bucket): number {
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

/** Outcome of one evaluation: the state CloudWatch would set (`undefined` = keep) and why. */
interface Verdict {
  readonly state?: AlarmState;
  readonly reason: string;
}

/** What rules 3–6 need to judge one series. */
interface Rule {
  readonly n: number;
  readonly m: number;
  readonly treat: TreatMissingData;
  readonly threshold: number;
  readonly op: ComparisonOperator;
  /** The compared value as the reason names it, e.g. `Sum` or `SUM(Failures)`. */
  readonly valueName: string;
  readonly formatTime: (ms: number) => string;
}

/** Rule 3: the range holds no datapoint (for an Insights alarm: the query returned no series). */
function noDataVerdict(treat: TreatMissingData, why: string): Verdict {
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

/** Rules 3–6 over one series' evaluation range (oldest period first). */
function judge(periods: readonly PeriodValue[], rule: Rule): Verdict {
  const { n, m, treat } = rule;
  const range = periods.length;
  const op = OPERATOR[rule.op];
  const real = periods
    .map((p, index) => ({ ...p, age: range - index, breaching: p.value !== undefined && op.test(p.value, rule.threshold) }))
    .filter((p): p is typeof p & { value: number } => p.value !== undefined);
  const cond = `${rule.valueName} ${op.text} ${rule.threshold}`;
  const list = (pts: typeof real) => pts.map((p) => `${round(p.value)} (${rule.formatTime(p.startMs)})`).join(', ');

  if (real.length === 0) return noDataVerdict(treat, `no datapoints in the last ${range} periods; missing data treated as ${TREATED_AS[treat]}`);

  const mOfN = (breaching: number, evaluated: string): Verdict =>
    breaching >= m
      ? {
          state: AlarmState.ALARM,
          reason: `Threshold crossed: ${breaching} of the last ${n} datapoints [${evaluated}] breached ${cond} (needs ${m} of ${n})`,
        }
      : {
          state: AlarmState.OK,
          reason: `Threshold not crossed: ${breaching} of the last ${n} datapoints [${evaluated}] breached ${cond} (needs ${m} of ${n})`,
        };

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
        ? {
            state: AlarmState.ALARM,
            reason: `Threshold crossed: only breaching datapoints [${evaluated}], the oldest ${oldest.age} periods old (>= ${m})`,
          }
        : {
            state: AlarmState.INSUFFICIENT_DATA,
            reason: `Insufficient data: only ${real.length} breaching datapoint(s) [${evaluated}], fewer than ${m}`,
          };
    }
  }
}

/** Rule 12's early end: the N most recent periods of the range all hold a datapoint. */
function windowFull(periods: readonly PeriodValue[], n: number): boolean {
  return periods.length >= n && periods.slice(-n).every((p) => p.value !== undefined);
}

const round = (v: number) => Math.round(v * 1000) / 1000;
const mod = (a: number, b: number) => ((a % b) + b) % b;

/** An alarm definition the evaluator cannot evaluate as CloudWatch would; `problems` lists every one. */
export class InvalidAlarmDefinitionError extends Error {
  readonly code = 'invalid_alarm_definition';
  constructor(
    readonly alarm: string,
    readonly problems: readonly string[],
  ) {
    super(`${alarm}: ${problems.join('; ')}`);
    this.name = 'InvalidAlarmDefinitionError';
  }
}

/** PutMetricAlarm, Period: "Valid values are 10, 20, 30, and any multiple of 60." */
function isValidAlarmPeriod(seconds: number): boolean {
  return seconds === 10 || seconds === 20 || seconds === 30 || (Number.isInteger(seconds) && seconds > 0 && seconds % 60 === 0);
}

function definitionProblems(d: AlarmDefinition, rangePeriods: number): string[] {
  const problems: string[] = [];
  const { evaluationPeriods: n, datapointsToAlarm: m } = d;
  if (!Number.isInteger(n) || n < 1) problems.push(`evaluationPeriods must be a whole number >= 1, got ${n}`);
  if (!Number.isInteger(m) || m < 1 || m > n) problems.push(`datapointsToAlarm (${m}) must be between 1 and evaluationPeriods (${n})`);
  if (!Number.isInteger(rangePeriods) || rangePeriods < n) {
    problems.push(`evaluationRangePeriods (${rangePeriods}) must be a whole number >= evaluationPeriods (${n})`);
  }
  if (d.warmUpMinutes !== undefined && (!Number.isInteger(d.warmUpMinutes) || d.warmUpMinutes < 1 || d.warmUpMinutes > 2880)) {
    problems.push(`warmUpMinutes must be a whole number from 1 to 2,880 (WarmUpPeriodDurationInMinutes), got ${d.warmUpMinutes}`);
  }
  const periodSeconds = alarmPeriodSeconds(d);
  if (d.type === 'math') {
    if (!isValidAlarmPeriod(periodSeconds)) problems.push(`periodSeconds must be 10, 20, 30 or a multiple of 60, got ${periodSeconds}`);
    const max = periodSeconds < 3600 ? 86_400 : 604_800;
    if (periodSeconds * n > max) problems.push(`periodSeconds × evaluationPeriods (${periodSeconds} × ${n}) must not exceed ${max} s`);
    const parsed = parseMathExpression(d.expression);
    if (!parsed) problems.push(`expression must be "<id> - <id>" (the one metric math form modelled), got ${JSON.stringify(d.expression)}`);
    for (const id of parsed ? [parsed.minuend, parsed.subtrahend] : []) {
      if (!Object.hasOwn(d.metrics, id))
        problems.push(`expression names "${id}", which is not one of metrics (${Object.keys(d.metrics).join(', ')})`);
    }
    for (const [id, m] of Object.entries(d.metrics)) {
      if (!/^[a-z][A-Za-z0-9_]*$/.test(id)) problems.push(`metrics id "${id}" must start with a lower-case letter (MetricDataQuery Id)`);
      if (m.periodSeconds !== periodSeconds)
        problems.push(`metrics.${id}.periodSeconds must be the alarm's ${periodSeconds}, got ${m.periodSeconds}`);
    }
    return problems;
  }
  if (d.type === 'metric') {
    if (!isValidAlarmPeriod(periodSeconds)) problems.push(`metric.periodSeconds must be 10, 20, 30 or a multiple of 60, got ${periodSeconds}`);
    // PutMetricAlarm: Period × EvaluationPeriods ≤ 604,800 s, and ≤ 86,400 s for periods under an hour.
    const max = periodSeconds < 3600 ? 86_400 : 604_800;
    if (periodSeconds * n > max) problems.push(`periodSeconds × evaluationPeriods (${periodSeconds} × ${n}) must not exceed ${max} s`);
    return problems;
  }
  // Metrics Insights alarms are "only available with standard resolution (evaluated every 60 seconds)"
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_billing.html).
  if (!(Number.isInteger(periodSeconds) && periodSeconds >= 60 && periodSeconds % 60 === 0)) {
    problems.push(`periodSeconds must be a multiple of 60 (Metrics Insights alarms are standard resolution), got ${periodSeconds}`);
  }
  if (periodSeconds * n > INSIGHTS_LOOKBACK_MS / 1000) {
    problems.push(
      `periodSeconds × evaluationPeriods (${periodSeconds} × ${n}) must not exceed 10800 s: only the latest 3 hours of data are evaluated`,
    );
  }
  // The deployed query must parse with the grammar AWS documents (reserved keywords quoted, LIMIT
  // within 500, ...): CloudFormation would otherwise roll back or the alarm never evaluate.
  try {
    parseQuery(d.query);
  } catch (err) {
    if (!(err instanceof InsightsQueryError)) throw err;
    for (const p of err.problems) problems.push(`query is not valid Metrics Insights: ${p}`);
  }
  const q = d.select;
  const rendered = renderInsightsQuery(q);
  if (d.query !== rendered)
    problems.push(`query must be exactly what select renders to: got ${JSON.stringify(d.query)}, select renders ${JSON.stringify(rendered)}`);
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_INSIGHTS_SERIES)
    problems.push(`select.limit must be a whole number from 1 to ${MAX_INSIGHTS_SERIES}, got ${q.limit}`);
  if (!q.schemaDimensions.includes(q.groupBy))
    problems.push(`select.groupBy (${q.groupBy}) must be one of the SCHEMA dimensions (${q.schemaDimensions.join(', ')})`);
  for (const k of Object.keys(q.where)) {
    if (!q.schemaDimensions.includes(k))
      problems.push(`select.where.${k} is not a SCHEMA dimension (${q.schemaDimensions.join(', ')}): the query would match nothing`);
  }
  return problems;
}

export interface EvaluatorOptions {
  /**
   * Periods retrieved per evaluation (CloudWatch's "evaluation range"); must be at least N.
   * @default - evaluationPeriods + 2 (the docs' example retrieves 5 datapoints for N = 3)
   */
  readonly evaluationRangePeriods?: number;
  /** How period start times read in `reason`. @default - HH:MM in UTC, HH:MM:SS for periods under a minute */
  readonly formatTime?: (ms: number) => string;
  /**
   * When the alarm was created (the deploy): no evaluation before it, and warm-up runs from it.
   * @default - the time of the first `evaluate` call (a new alarm, as after a deploy)
   */
  readonly createdAtMs?: number;
  /**
   * Where in its cadence (every 10 s or every minute) CloudWatch evaluates this alarm: evaluations
   * are due at `evaluationOffsetMs` past each 10 s / minute boundary. Must be below the cadence.
   * @default 0
   */
  readonly evaluationOffsetMs?: number;
}

/** A contributor of an Insights alarm as the last evaluation left it. */
export interface ContributorStatus {
  readonly state: ContributorState;
  readonly reason: string;
  /** When it last changed state (or appeared). */
  readonly sinceMs: number;
}

/** Evaluates one alarm definition against a MetricStore, keeping state and history like CloudWatch. */
export class AlarmEvaluator {
  /** Current state; CloudWatch creates alarms in INSUFFICIENT_DATA. */
  state: AlarmState = AlarmState.INSUFFICIENT_DATA;
  /** Why the last evaluation reached (or kept) the state. */
  stateReason = 'Unchecked: initial alarm creation';
  /** Every state change so far (alarm and contributor level), oldest first. */
  readonly transitions: AlarmTransition[] = [];
  /** Periods retrieved per evaluation. */
  readonly evaluationRangePeriods: number;
  /** How often CloudWatch evaluates this alarm: 10 s for 10/20/30 s periods, else 60 s (rule 7). */
  readonly evaluationIntervalMs: number;
  readonly evaluationOffsetMs: number;
  /** Creation time; set by the first `evaluate` when not given. */
  createdAtMs: number | undefined;
  /** When warm-up ended (rule 12); undefined while warming up or without warm-up. */
  warmUpEndedAtMs: number | undefined;
  /**
   * Insights alarms: groups the last evaluation dropped because the query's LIMIT kept only the
   * first `limit` (ordered by the aggregate, descending). With LIMIT ≤ 500 CloudWatch does not flag
   * these as PARTIAL_DATA; surfaced here so a test or the bench can see them.
   */
  droppedByLimit = 0;
  /** Insights alarms: contributors the last evaluation kept in OK only because 100 were already in ALARM. */
  cappedContributors = 0;
  private readonly contributorStates = new Map<string, ContributorStatus>();
  private readonly formatTime: (ms: number) => string;
  private readonly periodMs: number;

  constructor(
    readonly definition: AlarmDefinition,
    options: EvaluatorOptions = {},
  ) {
    this.evaluationRangePeriods = options.evaluationRangePeriods ?? definition.evaluationPeriods + 2;
    const problems = definitionProblems(definition, this.evaluationRangePeriods);
    const periodSeconds = alarmPeriodSeconds(definition);
    this.periodMs = periodSeconds * 1000;
    this.evaluationIntervalMs = periodSeconds < 60 ? 10_000 : MINUTE_MS;
    this.evaluationOffsetMs = options.evaluationOffsetMs ?? 0;
    if (!(this.evaluationOffsetMs >= 0 && this.evaluationOffsetMs < this.evaluationIntervalMs)) {
      problems.push(`evaluationOffsetMs must be from 0 to below ${this.evaluationIntervalMs}, got ${this.evaluationOffsetMs}`);
    }
    if (options.createdAtMs !== undefined && !Number.isFinite(options.createdAtMs))
      problems.push(`createdAtMs must be a finite time, got ${options.createdAtMs}`);
    if (problems.length > 0) throw new InvalidAlarmDefinitionError(definition.id, problems);
    this.createdAtMs = options.createdAtMs;
    this.formatTime = options.formatTime ?? ((ms) => new Date(ms).toISOString().slice(11, periodSeconds < 60 ? 19 : 16));
  }

  /** Insights alarms: the contributors the query returned at the last evaluation (empty for a single-metric alarm). */
  get contributors(): ReadonlyMap<string, ContributorStatus> {
    return this.contributorStates;
  }

  /** Whether CloudWatch evaluates this alarm at `nowMs` (its cadence and offset, and the alarm exists). */
  isDue(nowMs: number): boolean {
    if (this.createdAtMs !== undefined && nowMs < this.createdAtMs) return false;
    return mod(nowMs - this.evaluationOffsetMs, this.evaluationIntervalMs) === 0;
  }

  /** Every time in [fromMs, toMs] at which CloudWatch evaluates this alarm, ascending. */
  evaluationTimes(fromMs: number, toMs: number): number[] {
    const interval = this.evaluationIntervalMs;
    const start = Math.max(fromMs, this.createdAtMs ?? fromMs);
    const out: number[] = [];
    for (let t = start + mod(this.evaluationOffsetMs - start, interval); t <= toMs; t += interval) out.push(t);
    return out;
  }

  /**
   * Evaluate at `nowMs` over the complete periods before it, whatever the cadence (`evaluateAll`
   * and `evaluateBetween` keep CloudWatch's). Returns the state changes (also recorded in
   * `transitions`): for an Insights alarm the contributor changes first, then the alarm's own.
   */
  evaluate(store: MetricStore, nowMs: number): AlarmTransition[] {
    this.createdAtMs ??= nowMs;
    if (nowMs < this.createdAtMs) return [];
    const d = this.definition;
    // Only complete periods count: the one containing `nowMs` is still filling.
    const toMs = Math.floor(nowMs / this.periodMs) * this.periodMs;
    let fromMs = toMs - this.evaluationRangePeriods * this.periodMs;
    if (d.type === 'insights') fromMs = Math.max(fromMs, Math.ceil((nowMs - INSIGHTS_LOOKBACK_MS) / this.periodMs) * this.periodMs);
    const range = { fromMs, toMs, nowMs };

    if (d.type === 'metric') {
      const periods = store.periodValues(d.metric, range);
      if (this.warmingUp(nowMs, windowFull(periods, d.evaluationPeriods))) return [];
      return this.setState(judge(periods, this.rule(d.metric.statistic)), nowMs);
    }
    if (d.type === 'math') {
      // Rule 13: a - b per period, where both queries have a value.
      const { minuend, subtrahend } = parseMathExpression(d.expression)!;
      const a = store.periodValues(d.metrics[minuend]!, range);
      const b = store.periodValues(d.metrics[subtrahend]!, range);
      const periods = a.map((p, i) =>
        p.value !== undefined && b[i]!.value !== undefined ? { startMs: p.startMs, value: p.value - b[i]!.value! } : { startMs: p.startMs },
      );
      if (this.warmingUp(nowMs, windowFull(periods, d.evaluationPeriods))) return [];
      return this.setState(judge(periods, this.rule(d.label)), nowMs);
    }
    const groups = store.queryInsights(d.select, { ...range, periodSeconds: d.periodSeconds });
    if (
      this.warmingUp(
        nowMs,
        groups.some((g) => windowFull(g.periods, d.evaluationPeriods)),
      )
    )
      return [];
    return this.evaluateInsights(d, groups, range, nowMs);
  }

  /** Rule 12: true (and nothing happens) while the alarm is in warm-up at `nowMs`. */
  private warmingUp(nowMs: number, windowIsFull: boolean): boolean {
    const minutes = this.definition.warmUpMinutes;
    if (minutes === undefined || this.warmUpEndedAtMs !== undefined) return false;
    const endsAtMs = this.createdAtMs! + minutes * MINUTE_MS;
    if (nowMs < endsAtMs && !windowIsFull) {
      this.stateReason = `Warm-up: in INSUFFICIENT_DATA without actions until ${this.formatTime(endsAtMs)} or until data fills the last ${this.definition.evaluationPeriods} periods`;
      return true;
    }
    this.warmUpEndedAtMs = nowMs;
    return false;
  }

  private rule(valueName: string): Rule {
    const d = this.definition;
    return {
      n: d.evaluationPeriods,
      m: d.datapointsToAlarm,
      treat: d.treatMissingData,
      threshold: d.threshold,
      op: d.comparisonOperator,
      valueName,
      formatTime: this.formatTime,
    };
  }

  private evaluateInsights(d: InsightsAlarmDefinition, groups: readonly InsightsGroup[], range: PeriodRange, nowMs: number): AlarmTransition[] {
    const rule = this.rule(`${d.select.aggregate}(${d.select.metricName})`);
    const returned = groups.slice(0, d.select.limit);
    this.droppedByLimit = groups.length - returned.length;
    const judged = returned.map((g) => {
      const verdict = judge(g.periods, rule);
      const previous = this.contributorStates.get(g.group)?.state ?? AlarmState.OK;
      // A contributor is ALARM or OK only: a verdict of INSUFFICIENT_DATA or "unchanged" keeps it.
      const wanted: ContributorState = verdict.state === AlarmState.ALARM || verdict.state === AlarmState.OK ? verdict.state : previous;
      return { group: g.group, verdict, previous, wanted };
    });
    // The 100-contributor cap: contributors already in ALARM keep their place, newcomers take the
    // free places in query order (the highest aggregate first); the rest stay OK. The docs state the
    // cap, not the choice; this one never flaps a contributor that is already paged.
    let places = MAX_CONTRIBUTORS_IN_ALARM - judged.filter((j) => j.previous === AlarmState.ALARM && j.wanted === AlarmState.ALARM).length;
    this.cappedContributors = 0;
    const out: AlarmTransition[] = [];
    const seen = new Set<string>();
    for (const j of judged) {
      seen.add(j.group);
      let state = j.wanted;
      let reason = j.verdict.reason;
      if (state === AlarmState.ALARM && j.previous !== AlarmState.ALARM) {
        if (places > 0) places--;
        else {
          state = AlarmState.OK;
          reason = `Not in ALARM: ${MAX_CONTRIBUTORS_IN_ALARM} contributors already are (CloudWatch's limit); ${j.verdict.reason}`;
          this.cappedContributors++;
        }
      }
      const current = this.contributorStates.get(j.group);
      this.contributorStates.set(j.group, { state, reason, sinceMs: current && current.state === state ? current.sinceMs : nowMs });
      if (state !== j.previous) out.push(this.record({ from: j.previous, to: state, reason, contributor: j.group }, nowMs));
    }
    for (const [group, status] of [...this.contributorStates]) {
      if (seen.has(group)) continue;
      this.contributorStates.delete(group);
      if (status.state !== AlarmState.ALARM) continue;
      const why = groups.some((g) => g.group === group) ? `dropped by the query's LIMIT ${d.select.limit}` : 'no datapoints in the evaluation range';
      out.push(
        this.record(
          {
            from: AlarmState.ALARM,
            to: AlarmState.OK,
            reason: `Time series gone (${why}): the contributor is no longer in ALARM`,
            contributor: group,
          },
          nowMs,
        ),
      );
    }

    const inAlarm = [...this.contributorStates].filter(([, s]) => s.state === AlarmState.ALARM).map(([g]) => g);
    const periods = Math.round((range.toMs - range.fromMs) / this.periodMs);
    let verdict: Verdict;
    if (inAlarm.length > 0) {
      const names = inAlarm.slice(0, 5).join(', ') + (inAlarm.length > 5 ? `, … (${inAlarm.length - 5} more)` : '');
      verdict = { state: AlarmState.ALARM, reason: `Threshold crossed: ${inAlarm.length} contributor(s) in ALARM: ${names}` };
    } else if (returned.length > 0) {
      verdict = {
        state: AlarmState.OK,
        reason: `Threshold not crossed: none of the ${returned.length} contributor(s) the query returned is in ALARM`,
      };
    } else {
      verdict = noDataVerdict(
        d.treatMissingData,
        `the query returned no time series in the last ${periods} periods; missing data treated as ${TREATED_AS[d.treatMissingData]}`,
      );
    }
    return [...out, ...this.setState(verdict, nowMs)];
  }

  private setState(verdict: Verdict, nowMs: number): AlarmTransition[] {
    this.stateReason = verdict.reason;
    if (verdict.state === undefined || verdict.state === this.state) return [];
    const t = this.record({ from: this.state, to: verdict.state, reason: verdict.reason }, nowMs);
    this.state = verdict.state;
    return [t];
  }

  private record(change: { from: AlarmState; to: AlarmState; reason: string; contributor?: string }, nowMs: number): AlarmTransition {
    const d = this.definition;
    const check =
      d.type !== 'insights' ? d.check : change.contributor !== undefined && d.select.groupBy === Dimension.CHECK ? change.contributor : undefined;
    const t: AlarmTransition = {
      alarm: d.id,
      class: d.class,
      ...(check !== undefined ? { check } : {}),
      ...(change.contributor !== undefined ? { contributor: change.contributor } : {}),
      from: change.from,
      to: change.to,
      atMs: nowMs,
      reason: change.reason,
    };
    this.transitions.push(t);
    return t;
  }
}

/**
 * Evaluate, at `nowMs`, every alarm CloudWatch evaluates then (see `AlarmEvaluator.isDue`: 10 s
 * alarms every 10 s, the others every minute); returns the transitions in the evaluators' order.
 */
export function evaluateAll(evaluators: readonly AlarmEvaluator[], store: MetricStore, nowMs: number): AlarmTransition[] {
  const out: AlarmTransition[] = [];
  for (const e of evaluators) if (e.isDue(nowMs)) out.push(...e.evaluate(store, nowMs));
  return out;
}

/** Evaluate every alarm at each of its evaluation times in [fromMs, toMs], in time order; returns the transitions. */
export function evaluateBetween(evaluators: readonly AlarmEvaluator[], store: MetricStore, fromMs: number, toMs: number): AlarmTransition[] {
  const times = [...new Set(evaluators.flatMap((e) => e.evaluationTimes(fromMs, toMs)))].sort((a, b) => a - b);
  return times.flatMap((t) => evaluateAll(evaluators, store, t));
}
