/**
 * The CloudFormation and CloudWatch limits a synthesized template must stay within, measured on
 * the template files as `cdk synth` writes them, and a seeded generator of boundary configurations.
 *
 * Limits (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html):
 * resources 500, outputs 200, parameters 200 per template, template body 1 MB from S3; dashboard
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html):
 * 0-500 widgets, an alarm widget 1-100 alarm ARNs. Metrics per graph: 100, the graph limit AWS states
 * for GetMetricWidgetImage ("As many as 100 metrics in the graph",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricWidgetImage.html), a
 * conservative bound for a dashboard graph (the monitor's graphs hold at most 3 lines).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { MonitorConfigInput } from '../../contracts/config';
import { INTERVALS } from '../../contracts/fleet';
import { REGION_PARTITIONS } from '../../contracts/regions';
import { seededRandom } from '../../bench/stats';

export const LIMITS = {
  resources: 500,
  outputs: 200,
  parameters: 200,
  templateBytes: 1_000_000,
  dashboardWidgets: 500,
  alarmsPerAlarmWidget: 100,
  metricsPerGraph: 100,
} as const;

type Template = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: object; Parameters?: object };

/** The dashboard body of a template with every intrinsic replaced by a placeholder inside its string. */
function dashboardBody(body: unknown): { widgets: Array<{ type: string; properties: { alarms?: unknown[]; metrics?: unknown[] } }> } {
  if (typeof body === 'string') return JSON.parse(body);
  const join = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(join[1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(join[0]));
}

/** Every limit a template file breaks, as readable messages (empty: within every limit). */
export function limitProblems(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const t = JSON.parse(text) as Template;
  const name = basename(file);
  const problems: string[] = [];
  const count = (o: object | undefined) => Object.keys(o ?? {}).length;
  if (count(t.Resources) > LIMITS.resources) problems.push(`${name}: ${count(t.Resources)} resources > ${LIMITS.resources}`);
  if (count(t.Outputs) > LIMITS.outputs) problems.push(`${name}: ${count(t.Outputs)} outputs > ${LIMITS.outputs}`);
  if (count(t.Parameters) > LIMITS.parameters) problems.push(`${name}: ${count(t.Parameters)} parameters > ${LIMITS.parameters}`);
  if (Buffer.byteLength(text) > LIMITS.templateBytes) problems.push(`${name}: ${Buffer.byteLength(text)} bytes > ${LIMITS.templateBytes}`);
  for (const r of Object.values(t.Resources ?? {})) {
    if (r.Type !== 'AWS::CloudWatch::Dashboard') continue;
    const body = dashboardBody(r.Properties!.DashboardBody);
    if (body.widgets.length > LIMITS.dashboardWidgets)
      problems.push(`${name}: ${body.widgets.length} dashboard widgets > ${LIMITS.dashboardWidgets}`);
    for (const w of body.widgets) {
      if ((w.properties.alarms?.length ?? 0) > LIMITS.alarmsPerAlarmWidget)
        problems.push(`${name}: an alarm widget with ${w.properties.alarms!.length} alarms`);
      if ((w.properties.metrics?.length ?? 0) > LIMITS.metricsPerGraph)
        problems.push(`${name}: a graph with ${w.properties.metrics!.length} metrics`);
    }
  }
  return problems;
}

/** The benchmarks' seeded PRNG (mulberry32): a seed names a run exactly. */
export const prng = seededRandom;

const AWS_REGIONS = Object.keys(REGION_PARTITIONS).filter((r) => REGION_PARTITIONS[r] === 'aws');

/** A boundary configuration: shards, locations, names, namespace and intervals (20 s included) drawn from `random`. */
export function boundaryConfig(random: () => number, size: { maxChecks: number }): MonitorConfigInput {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const n = 1 + Math.floor(random() * size.maxChecks);
  const nameLength = pick([1, 8, 20, 39, 40]);
  const nsLength = pick([1, 16, 100, 230, 255]);
  // Starts with a letter (CloudWatch refuses a leading ':'), then every character a namespace may hold.
  const namespace = `N${Array.from({ length: nsLength - 1 }, (_, i) => 'Aa0._/#:-'[(i * 7 + nsLength) % 9]!).join('')}`;
  const locations = random() < 0.4 ? [] : [...new Set(Array.from({ length: 1 + Math.floor(random() * 10) }, () => pick(AWS_REGIONS)))];
  const intervals = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(INTERVALS)))];
  const name = (i: number) => {
    const id = `c${i.toString(36)}`;
    return nameLength <= id.length ? id : `${id}-${'x'.repeat(nameLength - id.length - 1)}`;
  };
  return {
    namespace,
    ...(locations.length ? { locations } : {}),
    shardMaxChecks: pick([10, 11, 20, 50, 100, 500]),
    fastShardMaxChecks: pick([10, 50, 100, 500]),
    ...(random() < 0.3 ? { notifications: { emails: ['oncall@example.com', 'team@example.com'] } } : {}),
    checks: Array.from({ length: n }, (_, i) => ({
      name: name(i),
      kind: i % 2 ? ('http' as const) : ('websocket' as const),
      url: i % 2 ? `https://h${i % 97}.example.com/api/` : `wss://h${i % 97}.example.com/ws/`,
      ...(i % 2 ? {} : { origin: 'https://example.com' }),
      intervalSeconds: intervals[i % intervals.length]!,
    })),
  };
}
