/**
 * In-memory metric storage with CloudWatch's identity and aggregation rules (docs/DESIGN.md#alarms;
 * rules 1, 7 and 8 of ./evaluator.ts): datums are stored per metric (namespace, name and the exact
 * dimension set), standard-resolution data at one-minute granularity, and read back aggregated per
 * period with a statistic, or grouped as a Metrics Insights query groups them.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { AlarmMetric, InsightsSelect, Statistic } from './model';

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
