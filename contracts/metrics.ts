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
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const Dimension = {
  CHECK: 'Check',
  REASON: 'Reason',
} as const;

/** CloudWatch StandardUnit names. */
export const MetricUnit: Readonly<Record<MetricName, 'None' | 'Milliseconds' | 'Count'>> = {
  Success: 'None',
  Duration: 'Milliseconds',
  Failures: 'Count',
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
