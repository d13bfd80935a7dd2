/**
 * An independent reading of the CloudWatch Embedded Metric Format specification, for tests: it
 * validates one log line and extracts the datapoints CloudWatch Logs would create from it.
 * Written from the spec, not from lambda/metrics/emf.ts, so the two can disagree.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

const EMF_UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

/** One datapoint extracted from an EMF line. */
export interface EmfDatapoint {
  readonly namespace: string;
  readonly name: string;
  readonly unit?: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parse and validate one EMF line; throws with the rule broken. */
export function parseEmfLine(line: string): EmfDatapoint[] {
  if (line.includes('\n')) throw new Error('an EMF event must be a single line');
  const root: unknown = JSON.parse(line);
  if (!isObject(root)) throw new Error('root must be an object');
  const aws = root._aws;
  if (!isObject(aws)) throw new Error('_aws must be an object');
  const ts = aws.Timestamp;
  if (typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0) throw new Error('_aws.Timestamp must be epoch milliseconds (integer)');
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0) throw new Error('_aws.CloudWatchMetrics must be a non-empty array');
  const out: EmfDatapoint[] = [];
  for (const directive of directives) {
    if (!isObject(directive)) throw new Error('a MetricDirective must be an object');
    const { Namespace, Dimensions, Metrics } = directive;
    if (typeof Namespace !== 'string' || Namespace.length < 1 || Namespace.length > 255) throw new Error('Namespace must be 1-255 characters');
    if (!Array.isArray(Dimensions)) throw new Error('Dimensions must be an array of DimensionSets');
    if (!Array.isArray(Metrics) || Metrics.length > 100) throw new Error('Metrics must be an array of at most 100');
    const sets: Array<Record<string, string>> = [];
    for (const set of Dimensions) {
      if (!Array.isArray(set) || set.length > 30) throw new Error('a DimensionSet must be an array of at most 30 names');
      const dims: Record<string, string> = {};
      for (const name of set) {
        if (typeof name !== 'string') throw new Error('a dimension name must be a string');
        const value = root[name];
        if (typeof value !== 'string' || value.length === 0) throw new Error(`dimension ${name} must reference a non-empty string member`);
        dims[name] = value;
      }
      sets.push(dims);
    }
    // A directive without dimension sets still publishes its metrics, with no dimensions.
    if (sets.length === 0) sets.push({});
    for (const metric of Metrics) {
      if (!isObject(metric) || typeof metric.Name !== 'string' || metric.Name.length < 1 || metric.Name.length > 1024) {
        throw new Error('a MetricDefinition needs a Name of 1-1024 characters');
      }
      if (metric.Unit !== undefined && !EMF_UNITS.has(String(metric.Unit))) throw new Error(`invalid Unit ${String(metric.Unit)}`);
      const raw = root[metric.Name];
      const values = Array.isArray(raw) ? raw : [raw];
      if (values.length === 0 || values.length > 100 || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        throw new Error(`metric ${metric.Name} must reference a number or an array of 1-100 numbers`);
      }
      for (const dims of sets) {
        for (const value of values as number[]) {
          out.push({
            namespace: Namespace,
            name: metric.Name,
            ...(metric.Unit !== undefined ? { unit: String(metric.Unit) } : {}),
            dimensions: dims,
            value,
            timestampMs: ts,
          });
        }
      }
    }
  }
  return out;
}
