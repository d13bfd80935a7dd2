/**
 * CloudWatch Embedded Metric Format (EMF): the fallback when PutMetricData keeps failing (README.md#metrics-and-alarms).
 * Lambda ships stdout to CloudWatch Logs, which extracts these lines into the same metrics, so a
 * CloudWatch API outage costs no datapoint.
 * Spec: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';

/** EMF's cap on values per metric in one event, and on metrics per directive. */
const MAX_VALUES_PER_METRIC = 100;
const MAX_METRICS_PER_DIRECTIVE = 100;

/** One EMF event as written (a JSON object per line). */
export interface EmfEvent {
  readonly _aws: {
    /** Epoch milliseconds. */
    readonly Timestamp: number;
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string;
      readonly Dimensions: ReadonlyArray<readonly string[]>;
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit?: string; readonly StorageResolution?: number }>;
    }>;
  };
  /** Dimension values (strings) and metric values (a number, or an array of numbers). */
  readonly [field: string]: unknown;
}

interface Group {
  readonly timestamp: number;
  readonly dimensions: ReadonlyArray<{ name: string; value: string }>;
  readonly metrics: Map<string, { unit?: string; resolution?: number; values: number[] }>;
}

/**
 * The datapoints as EMF events, one per timestamp and dimension set (EMF gives every metric of an
 * event all the event's dimension sets, so `Failures` with Check+Reason cannot share a line with
 * `Success` under Check alone). Repeated datapoints of one metric in a group become a value array.
 * `now` stamps datapoints without a Timestamp, as CloudWatch would on receipt.
 */
export function toEmfEvents(namespace: string, data: readonly MetricDatum[], now: () => number = Date.now): EmfEvent[] {
  const groups = new Map<string, Group[]>();
  const order: Group[] = [];
  for (const datum of data) {
    if (!datum.MetricName || datum.Value === undefined) continue;
    const timestamp = datum.Timestamp ? datum.Timestamp.getTime() : now();
    const dimensions = (datum.Dimensions ?? []).map((d) => ({ name: d.Name ?? '', value: d.Value ?? '' }));
    // High-resolution datapoints keep StorageResolution 1 (EMF's per-metric field) in their own event.
    const resolution = datum.StorageResolution === 1 ? 1 : undefined;
    const key = JSON.stringify([timestamp, dimensions, resolution ?? 60]);
    const chain = groups.get(key) ?? [];
    groups.set(key, chain);
    const last = chain.at(-1);
    const existing = last?.metrics.get(datum.MetricName);
    const full = !last || (existing ? existing.values.length >= MAX_VALUES_PER_METRIC : last.metrics.size >= MAX_METRICS_PER_DIRECTIVE);
    let group = last;
    if (!group || full) {
      group = { timestamp, dimensions, metrics: new Map() };
      chain.push(group);
      order.push(group);
    }
    const metric = group.metrics.get(datum.MetricName) ?? { unit: datum.Unit, resolution, values: [] };
    group.metrics.set(datum.MetricName, metric);
    metric.values.push(datum.Value);
  }
  return order.map((group) => toEvent(namespace, group));
}

/** {@link toEmfEvents}, serialized: one JSON line each, ready for stdout. */
export function toEmfLines(namespace: string, data: readonly MetricDatum[], now?: () => number): string[] {
  return toEmfEvents(namespace, data, now).map((event) => JSON.stringify(event));
}

function toEvent(namespace: string, group: Group): EmfEvent {
  const fields: Record<string, unknown> = {};
  for (const { name, value } of group.dimensions) fields[name] = value;
  const metrics: Array<{ Name: string; Unit?: string; StorageResolution?: number }> = [];
  for (const [name, { unit, resolution, values }] of group.metrics) {
    metrics.push({ Name: name, ...(unit ? { Unit: unit } : {}), ...(resolution ? { StorageResolution: resolution } : {}) });
    fields[name] = values.length === 1 ? values[0] : values;
  }
  return {
    _aws: {
      Timestamp: group.timestamp,
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [group.dimensions.map((d) => d.name)], Metrics: metrics }],
    },
    ...fields,
  };
}
