/** Builders shared by the alarm tests: alarm definitions as plain data (./model) and PutMetricData datums. */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import {
  renderInsightsQuery,
  type AlarmMetric,
  type InsightsAlarmDefinition,
  type InsightsSelect,
  type MetricAlarmDefinition,
} from '../../lib/alarms/model';

export const SEC = 1_000;
export const MIN = 60_000;
/** A minute boundary well inside the epoch, so period alignment is exercised. */
export const T0 = Date.UTC(2026, 10, 28, 2, 0, 0);
export const NS = 'SyntheticMonitor';

/** A single-metric alarm; `metric` fields may be overridden one by one. */
export function metricAlarm(
  over: Partial<Omit<MetricAlarmDefinition, 'metric' | 'type'>> & { metric?: Partial<AlarmMetric> } = {},
): MetricAlarmDefinition {
  const { metric, ...rest } = over;
  return {
    type: 'metric',
    class: 'Failing',
    check: 'c',
    id: 'c-Failing',
    metric: { namespace: 'Test', metricName: 'M', dimensions: { Check: 'c' }, statistic: 'Maximum', periodSeconds: 60, ...metric },
    comparisonOperator: 'GreaterThanThreshold',
    threshold: 3,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: 'missing',
    description: 'test alarm',
    ...rest,
  };
}

/**
 * A Metrics Insights alarm over the sparse Failures{Check, Interval, Reason} copy, as the fleet
 * deploys them: one per class and interval, grouped by Check, threshold = the location quorum.
 */
export function insightsAlarm(
  over: Partial<Omit<InsightsAlarmDefinition, 'type' | 'select' | 'query'>> & { select?: Partial<InsightsSelect>; query?: string } = {},
): InsightsAlarmDefinition {
  const { select: selectOver, query, ...rest } = over;
  const select: InsightsSelect = {
    aggregate: 'SUM',
    metricName: 'Failures',
    namespace: NS,
    schemaDimensions: ['Check', 'Interval', 'Reason'],
    where: { Interval: '60', Reason: 'refused' },
    groupBy: 'Check',
    limit: 500,
    ...selectOver,
  };
  return {
    type: 'insights',
    class: 'Refused',
    id: 'Refused-60s',
    query: query ?? renderInsightsQuery(select),
    select,
    periodSeconds: 60,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    description: 'test insights alarm',
    ...rest,
  };
}

export interface DatumOptions {
  readonly dims?: Readonly<Record<string, string>>;
  readonly name?: string;
  /** 1 for a high-resolution datum. @default - standard resolution */
  readonly storageResolution?: 1 | 60;
}

export function datum(value: number, atMs: number, opts: DatumOptions = {}): MetricDatum {
  const { dims = { Check: 'c' }, name = 'M', storageResolution } = opts;
  return {
    MetricName: name,
    Value: value,
    Timestamp: new Date(atMs),
    Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
    ...(storageResolution !== undefined ? { StorageResolution: storageResolution } : {}),
  };
}

/** The sparse Failures copy a failed run of `check` publishes (README.md#metrics-and-alarms; lambda/metrics/datums.ts). */
export function failure(check: string, reason: string, atMs: number, interval = '60'): MetricDatum {
  return datum(1, atMs, { name: 'Failures', dims: { Check: check, Interval: interval, Reason: reason } });
}
