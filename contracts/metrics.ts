/**
 * Metric definitions (DESIGN §6): names, units and dimensions, defined once. The publisher, the
 * CDK alarms and dashboard, and the local alarm evaluator all use these.
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
};

/** Optional phase-timing metrics (off by default: each costs money every month) → the Timings field. */
export const PHASE_METRICS = [
  { name: MetricName.DNS_TIME, timing: 'dnsMs' },
  { name: MetricName.CONNECT_TIME, timing: 'connectMs' },
  { name: MetricName.TLS_TIME, timing: 'tlsMs' },
  { name: MetricName.FIRST_BYTE_TIME, timing: 'firstByteMs' },
] as const;
