/**
 * Check results → CloudWatch datapoints (DESIGN §6). Pure: the publisher sends these to
 * PutMetricData and, when CloudWatch stays unavailable, writes the very same datapoints as EMF.
 */
import type { Dimension as CloudWatchDimension, MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { CheckResult } from '../../contracts/result';
import { Dimension, MetricName, MetricUnit, PHASE_METRICS } from '../../contracts/metrics';

export interface MetricDataOptions {
  /** Also emit DnsTime/ConnectTime/TlsTime/FirstByteTime when measured (each costs money monthly). @default false */
  readonly phaseTimings?: boolean;
}

/**
 * The datapoints of one run, in result order: per result `Success` and `Duration` (dimension Check),
 * `Failures` = 1 with dimensions Check + Reason=<outcome> only when the run failed (an `error`
 * outcome included: the probe could not run, which still has to page), and the phase timings when
 * asked for and measured. Only the check name, the outcome and numbers leave the result: never its
 * url, message or evidence.
 */
export function toMetricData(results: readonly CheckResult[], options: MetricDataOptions = {}): MetricDatum[] {
  const data: MetricDatum[] = [];
  for (const result of results) {
    const checkOnly: CloudWatchDimension[] = [{ Name: Dimension.CHECK, Value: result.check }];
    const timestamp = metricTimestamp(result.startedAt);
    const datum = (name: MetricName, value: number, dimensions: CloudWatchDimension[]): MetricDatum => ({
      MetricName: name,
      Unit: MetricUnit[name],
      Value: value,
      Dimensions: dimensions,
      ...(timestamp ? { Timestamp: timestamp } : {}),
    });

    data.push(datum(MetricName.SUCCESS, result.ok ? 1 : 0, checkOnly));
    data.push(datum(MetricName.DURATION, finiteOrZero(result.timings.totalMs), checkOnly));
    if (!result.ok) {
      data.push(
        datum(MetricName.FAILURES, 1, [...checkOnly, { Name: Dimension.REASON, Value: result.outcome }]),
      );
    }
    if (options.phaseTimings) {
      for (const phase of PHASE_METRICS) {
        const ms = result.timings[phase.timing];
        // A phase that never happened (refused before TLS, a reused connection) has no datapoint:
        // publishing 0 would drag the phase's average down and hide a slow handshake.
        if (typeof ms === 'number' && Number.isFinite(ms)) data.push(datum(phase.name, ms, checkOnly));
      }
    }
  }
  return data;
}

/**
 * The attempt's start as the datapoint time. An unparsable value is left out so CloudWatch stamps
 * the datapoint on receipt, rather than the SDK failing the whole call on an Invalid Date.
 */
function metricTimestamp(startedAt: string): Date | undefined {
  const ms = Date.parse(startedAt);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/** CloudWatch rejects NaN/Infinity and would fail the whole batch for one bad value. */
function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
