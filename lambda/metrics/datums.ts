/**
 * Check results → CloudWatch datapoints (README.md#metrics-and-alarms). Pure: the publisher sends these to
 * PutMetricData and, when CloudWatch stays unavailable, writes the very same datapoints as EMF.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { CheckResult } from '../../contracts/result';
import { isFastInterval } from '../../contracts/fleet';
import { metricIdentity, PHASE_METRICS, type MetricIdentity } from '../../contracts/metrics';

export interface MetricDataOptions {
  /** Also emit DnsTime/ConnectTime/TlsTime/FirstByteTime when measured (each costs money monthly). @default false */
  readonly phaseTimings?: boolean;
  /**
   * The check's interval by check name. When known, a failed run also emits the sparse
   * Failures{Check, Interval, Reason} copy the Metrics Insights alarms select on, and a fast check
   * (10–30 s) publishes high-resolution datapoints (StorageResolution 1).
   * @default - no interval copy, standard resolution
   */
  readonly intervals?: ReadonlyMap<string, number>;
  /**
   * Timestamp for every datapoint: the run's (tick's) scheduled time, so a retried attempt still
   * lands in its tick's period. @default - each result's startedAt
   */
  readonly timestamp?: Date;
  /** Add the shard heartbeat (ShardResults{Shard, Location} = number of results). @default - none */
  readonly heartbeat?: { readonly shard: string; readonly location: string; readonly highResolution?: boolean };
}

/**
 * The datapoints of one run, in result order: per result `Success` and `Duration` (dimension Check),
 * `Failures` = 1 with dimensions Check + Reason=<outcome> only when the run failed (an `error`
 * outcome included: the probe could not run, which still has to page), and the phase timings when
 * asked for and measured. Only the check name, the outcome and numbers leave the result: never its
 * url, message or evidence.
 */
export function toMetricData(results: readonly CheckResult[], options: MetricDataOptions = {}): MetricDatum[] {
  // Metrics never carry a namespace here (PutMetricData takes it per call): identities are built
  // with an empty one and only their name, dimensions and unit are used.
  const NS = '';
  const data: MetricDatum[] = [];
  for (const result of results) {
    const timestamp = options.timestamp ?? metricTimestamp(result.startedAt);
    const interval = options.intervals?.get(result.check);
    const highResolution = interval !== undefined && isFastInterval(interval);
    const push = (metric: MetricIdentity, value: number) => data.push(datumOf(metric, value, timestamp, highResolution));

    push(metricIdentity.success(NS, result.check), result.ok ? 1 : 0);
    push(metricIdentity.duration(NS, result.check), finiteOrZero(result.timings.totalMs));
    if (!result.ok) {
      push(metricIdentity.failures(NS, result.check, result.outcome), 1);
      if (interval !== undefined) push(metricIdentity.failuresOfInterval(NS, result.check, interval, result.outcome), 1);
    }
    if (options.phaseTimings) {
      for (const phase of PHASE_METRICS) {
        const ms = result.timings[phase.timing];
        // A phase that never happened (refused before TLS, a reused connection) has no datapoint:
        // publishing 0 would drag the phase's average down and hide a slow handshake.
        if (typeof ms === 'number' && Number.isFinite(ms)) push(metricIdentity.phase(NS, phase.name, result.check), ms);
      }
    }
  }
  // One CertificateDaysLeft per host name and run, whichever checks share the host: the series is
  // the host's (README.md#metrics-and-alarms), and checks of one host see the same leaf certificate.
  const hosts = new Map<string, { days: number; timestamp: Date | undefined; highResolution: boolean }>();
  for (const result of results) {
    if (!result.certificate || !Number.isFinite(result.certificate.daysLeft)) continue;
    const host = hostOf(result.url);
    if (!host) continue;
    const interval = options.intervals?.get(result.check);
    const prior = hosts.get(host);
    hosts.set(host, {
      days: Math.min(result.certificate.daysLeft, prior?.days ?? Infinity),
      timestamp: options.timestamp ?? metricTimestamp(result.startedAt),
      highResolution: (prior?.highResolution ?? false) || (interval !== undefined && isFastInterval(interval)),
    });
  }
  for (const [host, { days, timestamp, highResolution }] of hosts) {
    data.push(datumOf(metricIdentity.certificateDaysLeft(NS, host), days, timestamp, highResolution));
  }
  if (options.heartbeat) {
    const { shard, location, highResolution } = options.heartbeat;
    data.push(datumOf(metricIdentity.shardResults(NS, shard, location), results.length, options.timestamp, highResolution ?? false));
  }
  return data;
}

/** A PutMetricData datum of a metric identity (name, unit and dimensions from contracts/metrics.ts). */
function datumOf(metric: MetricIdentity, value: number, timestamp: Date | undefined, highResolution: boolean): MetricDatum {
  return {
    MetricName: metric.metricName,
    Unit: metric.unit,
    Value: value,
    Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
    ...(timestamp ? { Timestamp: timestamp } : {}),
    ...(highResolution ? { StorageResolution: 1 } : {}),
  };
}

/**
 * The attempt's start as the datapoint time. An unparsable value is left out so CloudWatch stamps
 * the datapoint on receipt, rather than the SDK failing the whole call on an Invalid Date.
 */
function metricTimestamp(startedAt: string): Date | undefined {
  const ms = Date.parse(startedAt);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/** The host name of a result's URL (lower case, no port), if it parses. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** CloudWatch rejects NaN/Infinity and would fail the whole batch for one bad value. */
function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
