/**
 * `synthmon status [--config FILE] [--json]` (docs/DESIGN.md#synthmon-status): what a deployed
 * monitor says is wrong now. Its alarms in ALARM (DescribeAlarms by the monitor's alarm name
 * prefix, `<stack>-Monitor-`), each check's last result (GetMetricData on Success{Check} and
 * Failures{Check,Reason} over the last three hours, per minute), and its open incidents from an
 * incident source (bin/cli/status-incidents.ts reads the incident table; see IncidentSource). Everything through the standard SDK configuration (AWS_REGION, AWS_PROFILE,
 * AWS_ENDPOINT_URL_CLOUDWATCH, ...); the home region of the configuration wins when it names one.
 * Exit 0 all clear, 1 something open (an alarm in ALARM or an open incident), 2 usage or configuration.
 */
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import defaultConfigJson from '../../config/default.json';
import { homeRegionOf, loadConfigFile, parseConfig, type MonitorConfig } from '../../contracts/config';
import { Dimension, MetricName } from '../../contracts/metrics';
import { FAILURE_OUTCOMES, type Outcome } from '../../contracts/outcomes';
import type { StatusCommand } from './args';
import type { Io } from './io';

/** The monitor construct's id in the stack (lib/monitor-stack.ts): alarm names are `<stack>-Monitor-<alarm id>`. */
const MONITOR_ID = 'Monitor';
const DEFAULT_STACK = 'SyntheticMonitor';
const LOOKBACK_MS = 3 * 3600_000;
/** GetMetricData takes at most 500 queries a call. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html: "You can include up to 500 MetricDataQuery structures". */
const QUERIES_PER_CALL = 500;
/** Every network wait has a deadline: per request, and three attempts at most (the SDK's standard retries). */
const REQUEST_TIMEOUT_MS = 10_000;

/** An incident the pipeline holds open. */
export interface OpenIncident {
  readonly id: string;
  readonly checks: readonly string[];
  readonly outcome: string;
  readonly cause?: string;
  readonly locations: readonly string[];
  /** First confirmed failure (ISO 8601). */
  readonly since: string;
}

/**
 * Where open incidents come from: the incident pipeline's reader (its table named by
 * SYNTHMON_INCIDENT_TABLE). Pluggable because the table's item shape belongs to the incident engine;
 * until one is plugged in, status says the incidents were not read (`incidents: null` in --json).
 */
export type IncidentSource = (config: MonitorConfig, env: NodeJS.ProcessEnv) => Promise<readonly OpenIncident[]>;

export interface StatusReport {
  readonly stack: string;
  readonly region?: string;
  readonly alarmPrefix: string;
  readonly alarms: ReadonlyArray<{ readonly name: string; readonly reason: string; readonly since?: string }>;
  /** null: no incident source (or no table configured). */
  readonly incidents: readonly OpenIncident[] | null;
  readonly checks: ReadonlyArray<{
    readonly name: string;
    readonly last?: { readonly at: string; readonly ok: boolean; readonly outcomes: readonly Outcome[] };
  }>;
  /** Nothing open: no alarm in ALARM, no open incident. */
  readonly clear: boolean;
}

/** Read the monitor's state now. */
export async function readStatus(
  config: MonitorConfig,
  opts: { client: CloudWatchClient; stack: string; now?: Date; incidents?: IncidentSource; env?: NodeJS.ProcessEnv },
): Promise<StatusReport> {
  const prefix = `${opts.stack}-${MONITOR_ID}-`;
  const alarms: Array<{ name: string; reason: string; since?: string }> = [];
  let token: string | undefined;
  do {
    const page = await opts.client.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: prefix,
        StateValue: 'ALARM',
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      alarms.push({
        name: a.AlarmName ?? '',
        reason: a.StateReason ?? '',
        ...(a.StateUpdatedTimestamp ? { since: a.StateUpdatedTimestamp.toISOString() } : {}),
      });
    }
    token = page.NextToken;
  } while (token);

  const checks = await lastResults(config, opts.client, opts.now ?? new Date());
  const incidents = opts.incidents ? await opts.incidents(config, opts.env ?? {}) : null;
  const region = await opts.client.config.region().catch(() => undefined);
  return {
    stack: opts.stack,
    ...(region ? { region } : {}),
    alarmPrefix: prefix,
    alarms,
    incidents,
    checks,
    clear: alarms.length === 0 && !incidents?.length,
  };
}

/** Each check's last minute with data: Success (Average: 1 ok, 0 failed, between: some locations failed) and the failing outcomes. */
async function lastResults(config: MonitorConfig, client: CloudWatchClient, now: Date): Promise<StatusReport['checks']> {
  const queries: MetricDataQuery[] = [];
  const stat = (id: string, metricName: string, dims: Record<string, string>, statName: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: config.namespace, MetricName: metricName, Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })) },
      Period: 60,
      Stat: statName,
    },
    ReturnData: true,
  });
  config.checks.forEach((c, i) => {
    queries.push(stat(`s${i}`, MetricName.SUCCESS, { [Dimension.CHECK]: c.name }, 'Average'));
    FAILURE_OUTCOMES.forEach((o, j) =>
      queries.push(stat(`f${i}_${j}`, MetricName.FAILURES, { [Dimension.CHECK]: c.name, [Dimension.REASON]: o }, 'Sum')),
    );
  });
  const series = new Map<string, Map<number, number>>();
  for (let at = 0; at < queries.length; at += QUERIES_PER_CALL) {
    let token: string | undefined;
    do {
      const page = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries.slice(at, at + QUERIES_PER_CALL),
          StartTime: new Date(now.getTime() - LOOKBACK_MS),
          EndTime: now,
          ScanBy: 'TimestampDescending',
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const r of page.MetricDataResults ?? []) {
        const points = series.get(r.Id!) ?? new Map<number, number>();
        (r.Timestamps ?? []).forEach((t, k) => points.set(t.getTime(), r.Values?.[k] ?? 0));
        series.set(r.Id!, points);
      }
      token = page.NextToken;
    } while (token);
  }
  return config.checks.map((c, i) => {
    const success = series.get(`s${i}`);
    if (!success?.size) return { name: c.name };
    const latest = Math.max(...success.keys());
    const outcomes = FAILURE_OUTCOMES.filter((_, j) => (series.get(`f${i}_${j}`)?.get(latest) ?? 0) > 0);
    return { name: c.name, last: { at: new Date(latest).toISOString(), ok: success.get(latest)! >= 1, outcomes } };
  });
}

/** The CloudWatch client status uses: the standard configuration, the home region when the config names one, deadlines on every request. */
export function statusClient(config: MonitorConfig): CloudWatchClient {
  const region = homeRegionOf(config);
  return new CloudWatchClient({
    ...(region ? { region } : {}),
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: REQUEST_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }),
  });
}

/** Run `synthmon status`; resolves to the exit status. */
export async function statusCommand(cmd: StatusCommand, io: Io, deps: { incidents?: IncidentSource } = {}): Promise<number> {
  const config = cmd.configFile ? loadConfigFile(cmd.configFile) : parseConfig(defaultConfigJson, 'the embedded default configuration');
  const stack = io.env.SYNTHMON_STACK || DEFAULT_STACK;
  const client = statusClient(config);
  let report: StatusReport;
  try {
    const incidents = deps.incidents && io.env.SYNTHMON_INCIDENT_TABLE ? deps.incidents : undefined;
    report = await readStatus(config, { client, stack, env: io.env, ...(incidents ? { incidents } : {}) });
  } catch (err) {
    io.err(`synthmon: status could not read the monitor ${stack}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  } finally {
    client.destroy();
  }
  if (cmd.json) io.out(JSON.stringify(report));
  else printStatus(report, io, Boolean(io.env.SYNTHMON_INCIDENT_TABLE));
  return report.clear ? 0 : 1;
}

function printStatus(r: StatusReport, io: Io, tableSet: boolean): void {
  io.out(`synthmon status: ${r.stack}${r.region ? ` in ${r.region}` : ''} (alarms ${r.alarmPrefix}*)`);
  io.out(`alarms in ALARM: ${r.alarms.length}`);
  for (const a of r.alarms) io.out(`  ${a.name}${a.since ? `  since ${a.since}` : ''}\n    ${a.reason}`);
  if (r.incidents === null)
    io.out(`open incidents: not read (${tableSet ? 'no reader for the incident table was given' : 'SYNTHMON_INCIDENT_TABLE is not set'})`);
  else {
    io.out(`open incidents: ${r.incidents.length}`);
    for (const i of r.incidents)
      io.out(`  ${i.checks.join(', ')}: ${i.outcome}${i.cause ? ` (${i.cause})` : ''} in ${i.locations.join(', ')} since ${i.since}`);
  }
  io.out('last result per check (CloudWatch, last 3 h):');
  const width = Math.max(...r.checks.map((c) => c.name.length));
  for (const c of r.checks) {
    const what = !c.last ? 'no data' : c.last.ok ? `ok at ${c.last.at}` : `${c.last.outcomes.join(', ') || 'failed'} at ${c.last.at}`;
    io.out(`  ${c.name.padEnd(width)}  ${what}`);
  }
  io.out(
    r.clear
      ? 'all clear'
      : `open: ${[r.alarms.length && `${r.alarms.length} alarm${r.alarms.length === 1 ? '' : 's'} in ALARM`, r.incidents?.length && `${r.incidents.length} incident${r.incidents.length === 1 ? '' : 's'}`].filter(Boolean).join(', ')}`,
  );
}
