/**
 * What the fleet uses per month, the quantities the cost sections price: billed seconds of a
 * shard's invocation, its PutMetricData calls and log bytes, and every metric series it publishes.
 */
import type { Check, MonitorConfig } from '../../contracts/config';
import { PUT_METRIC_DATA_MAX_DATUMS } from '../../contracts/cloudwatch-limits';
import type { IntervalSeconds } from '../../contracts/fleet';
import { KINDS, tlsHostOf } from '../../contracts/kinds';
import { Dimension, MetricName, PHASE_METRICS } from '../../contracts/metrics';
import { tlsHosts, type AlarmDefinition } from '../alarms/definitions';
import type { ShardPlan } from '../fleet/plan';
import { SECONDS_PER_MONTH } from './prices';
import type { CostAssumptions, CostItem } from './report';

/** A dimension value the estimate cannot know (which Reason a failure has): matches any WHERE value. */
const ANY_VALUE = '*';

/** Log volume is billed per GB; 10^9 bytes errs on the high side of 2^30. */
export const BYTES_PER_GB = 1e9;

/** One metric series the fleet publishes (identities shared by every location count once). */
export interface Series {
  readonly item: CostItem;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Share of the month's hours the series receives data (custom metrics are prorated by the hour). */
  readonly hourShare: number;
  readonly intervalSeconds?: IntervalSeconds;
}

/** What one shard costs in one location, per month. */
export interface ShardUsage {
  readonly shard: ShardPlan;
  readonly invocations: number;
  readonly billedSeconds: number;
  readonly putCalls: number;
  readonly logBytes: number;
  readonly tokens: readonly string[];
}

export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export function healthySeconds(check: Check): number {
  const kind = KINDS[check.kind];
  const settleMs = kind.settles ? ((check as { settleMs?: number }).settleMs ?? 0) : 0;
  return kind.healthyRunSeconds + settleMs / 1000;
}

export function failedSeconds(check: Check, a: CostAssumptions): number {
  return check.retryDelayMs > 0 ? 2 * a.failedAttemptSeconds + check.retryDelayMs / 1000 : a.failedAttemptSeconds;
}

/** Probability that an hour holds at least one failed run of a check, all locations together. */
export function failingHourShare(check: Check, locations: number, a: CostAssumptions): number {
  return 1 - (1 - a.failureRate) ** ((3600 / check.intervalSeconds) * locations);
}

/** Billed seconds of one invocation of a (non-fast) shard: its slowest check, longer when one fails. */
export function shardSeconds(checks: readonly Check[], a: CostAssumptions): { mean: number; healthy: number; failing: number; pFail: number } {
  const healthy = Math.max(...checks.map(healthySeconds));
  const failing = Math.max(healthy, ...checks.map((c) => failedSeconds(c, a)));
  const pFail = 1 - (1 - a.failureRate) ** checks.length;
  return { mean: (1 - pFail) * healthy + pFail * failing + a.publishSeconds, healthy, failing, pFail };
}

export function shardUsage(shard: ShardPlan, checks: readonly Check[], config: MonitorConfig, a: CostAssumptions): ShardUsage {
  const invocations = SECONDS_PER_MONTH / shard.invokeEverySeconds;
  const billedSeconds = shard.fast ? a.fastInvocationSeconds : shardSeconds(checks, a).mean;
  const perCheckDatums = (c: Check) =>
    2 + (config.phaseTimings ? PHASE_METRICS.length : 0) + (a.certificateMetric && tlsHostOf(c) ? 1 : 0) + 2 * a.failureRate;
  const datumsPerTick = sum(checks.map(perCheckDatums)) + 1; // + the ShardResults heartbeat
  const ticks = invocations * shard.ticksPerInvocation;
  return {
    shard,
    invocations,
    billedSeconds,
    putCalls: ticks * Math.ceil(datumsPerTick / PUT_METRIC_DATA_MAX_DATUMS),
    logBytes: ticks * checks.length * a.logBytesPerResult + invocations * a.logBytesPerInvocation,
    tokens: [...new Set(checks.flatMap((c) => (c.auth ? [c.auth.token] : [])))],
  };
}

/** Every series the fleet publishes, with the share of hours it is billed. */
export function publishedSeries(config: MonitorConfig, shards: readonly ShardPlan[], locations: readonly string[], a: CostAssumptions): Series[] {
  const out: Series[] = [];
  for (const c of config.checks) {
    const interval = c.intervalSeconds;
    const check = { [Dimension.CHECK]: c.name };
    out.push({ item: 'Metrics: Success + Duration', metricName: MetricName.SUCCESS, dimensions: check, hourShare: 1, intervalSeconds: interval });
    out.push({ item: 'Metrics: Success + Duration', metricName: MetricName.DURATION, dimensions: check, hourShare: 1, intervalSeconds: interval });
    if (config.phaseTimings) {
      for (const p of PHASE_METRICS)
        out.push({ item: 'Metrics: phase timings', metricName: p.name, dimensions: check, hourShare: 1, intervalSeconds: interval });
    }
    // Failures exist only in hours with a failed run; the Reason is unknown, so it matches any WHERE.
    const share = failingHourShare(c, locations.length, a);
    const failures = { ...check, [Dimension.REASON]: ANY_VALUE };
    out.push({
      item: 'Metrics: Failures (failing hours)',
      metricName: MetricName.FAILURES,
      dimensions: failures,
      hourShare: share,
      intervalSeconds: interval,
    });
    out.push({
      item: 'Metrics: Failures (failing hours)',
      metricName: MetricName.FAILURES,
      dimensions: { ...failures, [Dimension.INTERVAL]: String(interval) },
      hourShare: share,
      intervalSeconds: interval,
    });
  }
  for (const s of shards) {
    for (const location of locations) {
      out.push({
        item: 'Metrics: ShardResults heartbeat',
        metricName: MetricName.SHARD_RESULTS,
        dimensions: { [Dimension.SHARD]: s.id, [Dimension.LOCATION]: location },
        hourShare: 1,
        intervalSeconds: s.intervalSeconds,
      });
    }
  }
  if (a.certificateMetric) {
    for (const host of tlsHosts(config).sort()) {
      out.push({
        item: 'Metrics: CertificateDaysLeft',
        metricName: MetricName.CERTIFICATE_DAYS_LEFT,
        dimensions: { [Dimension.HOST]: host },
        hourShare: 1,
      });
    }
  }
  return out;
}

/** The series a Metrics Insights alarm's query matches: SCHEMA's exact dimension keys, then WHERE equality. */
export function matchedSeries(alarm: Extract<AlarmDefinition, { type: 'insights' }>, series: readonly Series[]): Series[] {
  const q = alarm.select;
  const keys = [...q.schemaDimensions].sort().join(',');
  return series.filter(
    (s) =>
      s.metricName === q.metricName &&
      Object.keys(s.dimensions).sort().join(',') === keys &&
      Object.entries(q.where).every(([k, v]) => s.dimensions[k] === v || s.dimensions[k] === ANY_VALUE),
  );
}

/** The interval group an alarm belongs to, when it watches checks or a shard of one interval. */
export function alarmInterval(
  alarm: AlarmDefinition,
  checks: ReadonlyMap<string, Check>,
  shards: ReadonlyMap<string, ShardPlan>,
  matched: readonly Series[],
): IntervalSeconds | undefined {
  if (alarm.type !== 'insights') {
    if (alarm.check) return checks.get(alarm.check)?.intervalSeconds;
    if (alarm.type === 'metric' && alarm.shard) return shards.get(alarm.shard)?.intervalSeconds;
    return undefined;
  }
  const intervals = new Set(matched.map((s) => s.intervalSeconds));
  if (intervals.size === 1) return [...intervals][0];
  const where = Number(alarm.select.where[Dimension.INTERVAL]);
  return isIntervalOf(where, checks) ? where : undefined;
}

function isIntervalOf(n: number, checks: ReadonlyMap<string, Check>): n is IntervalSeconds {
  return [...checks.values()].some((c) => c.intervalSeconds === n);
}
