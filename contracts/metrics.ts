/**
 * Metric definitions (README.md#metrics-and-alarms): names, units and dimensions, defined once. The publisher, the
 * CDK alarms and dashboard, and the local alarm evaluator all use these (`metricIdentity` below).
 */

export const DEFAULT_NAMESPACE = 'SyntheticMonitor';

export const MetricName = {
  SUCCESS: 'Success',
  DURATION: 'Duration',
  FAILURES: 'Failures',
  DNS_TIME: 'DnsTime',
  CONNECT_TIME: 'ConnectTime',
  TLS_TIME: 'TlsTime',
  FIRST_BYTE_TIME: 'FirstByteTime',
  /**
   * Runner heartbeat: one datapoint per shard run (per tick for fast shards), value = the results
   * it published, dimensions Shard + Location. The Silent alarm of each shard watches it, so every
   * check is covered by its shard's heartbeat (the runner returns a result for every check).
   */
  SHARD_RESULTS: 'ShardResults',
  /** Whole days until the leaf certificate expires, per host name (dimension Host, not Check). */
  CERTIFICATE_DAYS_LEFT: 'CertificateDaysLeft',
  /**
   * Pages a channel did not take: one datapoint per channel per run (or backstop invocation) whose
   * delivery failed, dimension Channel, in the home region; nothing while deliveries succeed.
   */
  NOTIFICATION_FAILURES: 'NotificationFailures',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const Dimension = {
  CHECK: 'Check',
  REASON: 'Reason',
  /**
   * On a second, sparse copy of each Failures datapoint (Check + Interval + Reason): lets one
   * Metrics Insights alarm per interval select exactly its checks with SCHEMA(...)/WHERE. It exists
   * only in hours with failures, so it costs only then (custom metrics are prorated by the hour).
   */
  INTERVAL: 'Interval',
  SHARD: 'Shard',
  LOCATION: 'Location',
  HOST: 'Host',
  /** The notification channel that failed (`pagerDuty`, `webhook`, `slack`, ...), on NotificationFailures. */
  CHANNEL: 'Channel',
} as const;

/** CloudWatch StandardUnit names. */
export const MetricUnit: Readonly<Record<MetricName, 'None' | 'Milliseconds' | 'Count'>> = {
  Success: 'None',
  Duration: 'Milliseconds',
  Failures: 'Count',
  ShardResults: 'Count',
  CertificateDaysLeft: 'None',
  DnsTime: 'Milliseconds',
  ConnectTime: 'Milliseconds',
  TlsTime: 'Milliseconds',
  FirstByteTime: 'Milliseconds',
  NotificationFailures: 'Count',
};

/** Optional phase-timing metrics (off by default: each costs money every month) → the Timings field. */
export const PHASE_METRICS = [
  { name: MetricName.DNS_TIME, timing: 'dnsMs' },
  { name: MetricName.CONNECT_TIME, timing: 'connectMs' },
  { name: MetricName.TLS_TIME, timing: 'tlsMs' },
  { name: MetricName.FIRST_BYTE_TIME, timing: 'firstByteMs' },
] as const;

/** CloudWatch statistics the monitor's alarms and widgets use (p50/p90/p99 only on widgets). */
export type Statistic = 'Sum' | 'Average' | 'Minimum' | 'Maximum' | 'SampleCount';

/**
 * A metric's identity: namespace, name and the exact dimension set (CloudWatch treats each
 * combination of dimensions as its own metric), with the unit it is published in. The one place a
 * metric of the monitor is defined: the publisher (lambda/metrics/datums.ts), the alarm definitions
 * (lib/alarms/definitions.ts), the dashboard (lib/dashboard.ts) and the construct's `metricX()`
 * accessors (lib/metrics.ts) all build their metrics with `metricIdentity`.
 */
export interface MetricIdentity {
  readonly namespace: string;
  readonly metricName: MetricName;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly unit: (typeof MetricUnit)[MetricName];
}

/** A metric with the statistic and period to read it with (what an alarm or a graph line needs). */
export interface MetricRead extends MetricIdentity {
  readonly statistic: Statistic;
  readonly periodSeconds: number;
}

/**
 * A check's natural period: its interval for a fast check (10–30 s, high-resolution datapoints),
 * else its interval with a floor of a minute.
 */
export function checkPeriodSeconds(intervalSeconds: number): number {
  return FAST_PERIODS.includes(intervalSeconds) ? intervalSeconds : Math.max(60, intervalSeconds);
}
const FAST_PERIODS: readonly number[] = [10, 20, 30];

const identity = (namespace: string, metricName: MetricName, dimensions: Record<string, string>): MetricIdentity => ({
  namespace,
  metricName,
  dimensions,
  unit: MetricUnit[metricName],
});

/** The monitor's metrics by what they measure (see MetricName for each one's meaning). */
export const metricIdentity = {
  success: (namespace: string, check: string) => identity(namespace, MetricName.SUCCESS, { [Dimension.CHECK]: check }),
  duration: (namespace: string, check: string) => identity(namespace, MetricName.DURATION, { [Dimension.CHECK]: check }),
  phase: (namespace: string, name: (typeof PHASE_METRICS)[number]['name'], check: string) => identity(namespace, name, { [Dimension.CHECK]: check }),
  /** Failed runs of a check with one outcome (Reason). */
  failures: (namespace: string, check: string, reason: string) =>
    identity(namespace, MetricName.FAILURES, { [Dimension.CHECK]: check, [Dimension.REASON]: reason }),
  /** The sparse copy the Metrics Insights class alarms select per interval. */
  failuresOfInterval: (namespace: string, check: string, intervalSeconds: number, reason: string) =>
    identity(namespace, MetricName.FAILURES, { [Dimension.CHECK]: check, [Dimension.INTERVAL]: String(intervalSeconds), [Dimension.REASON]: reason }),
  shardResults: (namespace: string, shard: string, location: string) =>
    identity(namespace, MetricName.SHARD_RESULTS, { [Dimension.SHARD]: shard, [Dimension.LOCATION]: location }),
  certificateDaysLeft: (namespace: string, host: string) => identity(namespace, MetricName.CERTIFICATE_DAYS_LEFT, { [Dimension.HOST]: host }),
} as const;

/** Read a metric with a statistic over a period. */
export function readMetric(metric: MetricIdentity, statistic: Statistic, periodSeconds: number): MetricRead {
  return { ...metric, statistic, periodSeconds };
}

/** The one check name → interval map (the publisher's `intervals` option and everyone who needs it). */
export function intervalsByCheck(checks: Iterable<{ readonly name: string; readonly intervalSeconds: number }>): ReadonlyMap<string, number> {
  return new Map([...checks].map((c) => [c.name, c.intervalSeconds]));
}
