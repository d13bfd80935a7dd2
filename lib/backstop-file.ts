/**
 * The backstop notifier's file (`backstop.json` beside its `backstop.js`, contracts/backstop.ts):
 * what every deployed alarm of the monitor means, by its deployed name, from a validated
 * configuration, its plan and the alarm definitions (docs/DESIGN.md#backstop-deployment). No CDK
 * import: the demo builds the same file without loading aws-cdk-lib.
 */
import type { BackstopAlarm, BackstopFile } from '../contracts/backstop';
import type { Check, MonitorConfig } from '../contracts/config';
import { notificationTokenNames } from '../contracts/config/notifications';
import { hostOf } from '../contracts/incident-keys';
import { tlsHostOf } from '../contracts/kinds';
import { alarmPeriodSeconds, type AlarmDefinition } from './alarms/model';
import type { FleetPlan } from './fleet/plan';
import { mutingOf } from './muting';

/**
 * Periods of data one evaluation retrieves beyond N: CloudWatch's "evaluation range" is longer than
 * the evaluation periods (the user guide's example retrieves 5 datapoints for N = 3,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, "Evaluating an alarm");
 * the local evaluator assumes N + 2 (lib/alarms/evaluator.ts, rule 2), and so does this.
 */
const EVALUATION_RANGE_EXTRA_PERIODS = 2;

/**
 * CloudWatch's delay between a datapoint and the alarm state change it causes: one evaluation
 * cadence ("If the alarm period is 10 seconds, 20 seconds, or 30 seconds, the alarm is evaluated
 * every 10 seconds"; "For any period of one minute or longer, an alarm is evaluated every minute",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html) plus the
 * datapoints' ingestion, which CloudWatch does not bound in its documentation: 60 s, the upper end
 * of the benchmark's stress case (bench/mttd.ts STRESS_INGESTION_S, 30–60 s).
 */
const INGESTION_ALLOWANCE_MS = 60_000;

/** How long an incident on an alarm's hosts still covers it after it resolved (BackstopAlarm.coverMs). */
export function coverMsOf(definition: AlarmDefinition): number {
  const periodMs = alarmPeriodSeconds(definition) * 1000;
  const cadenceMs = periodMs < 60_000 ? 10_000 : 60_000;
  return (definition.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS) * periodMs + cadenceMs + INGESTION_ALLOWANCE_MS;
}

/** The checks an alarm covers (BackstopAlarm.checks), in configuration order. */
export function alarmChecks(definition: AlarmDefinition, config: Pick<MonitorConfig, 'checks'>, plan: FleetPlan): Check[] {
  const d = definition;
  if (d.type === 'insights') {
    // A class alarm selects one interval; NotificationFailures selects none and covers no check.
    const interval = d.select.where.Interval;
    return interval === undefined ? [] : config.checks.filter((c) => String(c.intervalSeconds) === interval);
  }
  if (d.check !== undefined) return config.checks.filter((c) => c.name === d.check);
  if (d.type === 'metric' && d.shard !== undefined) {
    const names = new Set(plan.shards.find((s) => s.id === d.shard)?.checks ?? []);
    return config.checks.filter((c) => names.has(c.name));
  }
  if (d.type === 'metric' && d.host !== undefined) return config.checks.filter((c) => tlsHostOf(c) === d.host);
  return [];
}

export interface BackstopFileProps {
  readonly config: MonitorConfig;
  readonly plan: FleetPlan;
  /** The alarms the monitor deploys. */
  readonly definitions: readonly AlarmDefinition[];
  /** Their deployed names, by definition id. */
  readonly alarmNames: ReadonlyMap<string, string>;
  /** The monitor's name (the stack), as the runner's fleet file has it. */
  readonly monitor: string;
}

/**
 * The notifier's file. `windows` come from the same function as the mute rules' targets
 * (lib/muting.ts mutedAlarmIds, through mutingOf): an alarm is held by exactly the windows that mute it.
 */
export function backstopFile(props: BackstopFileProps): BackstopFile {
  const { config, plan, definitions, alarmNames } = props;
  const muting = mutingOf(config, definitions);
  const used = new Set(notificationTokenNames(config.notifications));
  const alarms: Record<string, BackstopAlarm> = {};
  for (const d of definitions) {
    const name = alarmNames.get(d.id);
    if (name === undefined) throw new Error(`alarm ${d.id} has no deployed name`);
    const checks = alarmChecks(d, config, plan);
    alarms[name] = {
      class: d.class,
      id: d.id,
      description: d.description,
      checks: checks.map((c) => c.name),
      hosts: [...new Set(checks.map((c) => hostOf(c.url)))],
      ...(d.type === 'metric' && d.shard !== undefined ? { shard: d.shard } : {}),
      ...(d.type === 'metric' && d.location !== undefined ? { location: d.location } : {}),
      ...(d.type === 'metric' && d.host !== undefined ? { host: d.host } : {}),
      windows: muting.windows.filter((w) => w.alarms.has(d.id)).map((w) => w.index),
      coverMs: coverMsOf(d),
    };
  }
  return {
    version: 1,
    monitor: props.monitor,
    namespace: config.namespace,
    tokens: Object.fromEntries(Object.entries(config.tokens).filter(([name]) => used.has(name))),
    notifications: config.notifications,
    ...(config.maintenance.length ? { maintenance: config.maintenance } : {}),
    alarms,
  };
}
