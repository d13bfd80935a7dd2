/**
 * Alarm definitions (docs/DESIGN.md#alarms) as plain data: the one source of truth that the CDK construct turns
 * into CloudWatch alarms and the local evaluator evaluates with CloudWatch's semantics.
 *
 * The alarm set for a fleet (see docs/DESIGN.md, "Alarms"):
 * - Refused, Forbidden and Failing are Metrics Insights multi-time-series alarms, one per class and
 *   interval, GROUP BY Check: one alarm covers every check of that interval, each check is a
 *   contributor, and the contributor's SNS notification names it. They select the sparse
 *   Failures{Check, Interval, Reason} series, which exist only while runs fail, so in a healthy fleet
 *   they analyze almost no metrics (billed per metric analyzed per hour). They cannot see a check
 *   that stopped publishing: that is Silent's job.
 * - Silent is a standard alarm per runner shard and location on the shard's heartbeat
 *   (ShardResults SampleCount < 1, missing data breaching): the runner returns a result for every
 *   check, so a shard that publishes covers all of its checks.
 * - Fast checks (10–30 s) also get a per-check high-resolution Failing alarm with the check's
 *   interval as period (Metrics Insights alarms are standard resolution only), so they page in
 *   seconds: `alarms.fastFailing`, 1 of 1 by default, since each tick is confirmed by a retry
 *   inside it (`npm run bench`: fastConfirmation). Their Refused / Forbidden classes stay on the
 *   60 s Metrics Insights alarms.
 * - With several locations a class fires on a quorum: the Failures datapoints of all locations
 *   share one identity, so the per-period Sum counts their failed runs, and the threshold is the
 *   failed runs that prove a quorum (quorumFailedRuns); a fast check's own alarm counts a period's
 *   failed runs with metric math; each looks back a little further for late locations (latePeriods).
 * No CDK import here, so the CLI, the demo and the bench load it cheaply.
 */
import { homeRegionOf, INSIGHTS_MAX_WINDOW_SECONDS, STANDARD_MAX_WINDOW_SECONDS, type Check, type MonitorConfig } from '../../contracts/config';
import { isFastInterval } from '../../contracts/fleet';
import { KINDS, tlsHostOf } from '../../contracts/kinds';
import { Dimension, MetricName, metricIdentity, type MetricIdentity } from '../../contracts/metrics';
import { CAUSE_RUNBOOK, Outcome, OUTCOME_RUNBOOK } from '../../contracts/outcomes';
import { planFleet, type FleetPlan } from '../fleet/plan';
import {
  AlarmClass,
  renderInsightsQuery,
  RUNNER_FUNCTION_NAME,
  type AlarmDefinition,
  type AlarmMetric,
  type InsightsAlarmDefinition,
  type InsightsSelect,
  type MathAlarmDefinition,
  type MetricAlarmDefinition,
} from './model';

export * from './model';

const MAX_DESCRIPTION = 1024;

/**
 * Series one Metrics Insights query may return before CloudWatch marks the evaluation PARTIAL_DATA
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html: "If the Metrics
 * Insights query returns more than 500 time series").
 */
export const INSIGHTS_QUERY_LIMIT = 500;

export { INSIGHTS_MAX_WINDOW_SECONDS };

/** The locations a run is made from (the deploy region alone counts as one). */
export function locationCount(config: MonitorConfig): number {
  return Math.max(1, config.locations.length);
}

/** Locations that must see a failure before a class pages: configured, else a majority. */
export function quorumOf(config: MonitorConfig): number {
  return config.quorum ?? Math.floor(locationCount(config) / 2) + 1;
}

/**
 * The fewest failed runs in one period of a class alarm that prove a quorum of locations failed:
 * more than q − 1 locations can make on their own. A location makes one run per period of a check
 * of 60 s or more (the quorum itself), and 60 / interval runs per 60 s period of a fast check (10 s,
 * quorum 2: 7, since one location alone makes 6). One location: 1.
 */
export function quorumFailedRuns(config: MonitorConfig, intervalSeconds: number): number {
  const runs = isFastInterval(intervalSeconds) ? 60 / intervalSeconds : 1;
  return (quorumOf(config) - 1) * runs + 1;
}

/** The location labels the runners publish as (the deploy region is `default`). */
export function locationLabels(config: MonitorConfig): string[] {
  return config.locations.length ? [...config.locations] : [DEFAULT_LOCATION];
}

/** Location label of a single-region deployment (its region is known only at deploy time). */
export const DEFAULT_LOCATION = 'default';

/**
 * Warm-up of every alarm: long enough for the runners' first datapoints to arrive and Silent's
 * N periods to fill, so a fresh deploy goes INSUFFICIENT_DATA → OK without an ALARM in between.
 */
export function warmUpMinutes(config: MonitorConfig, plan: FleetPlan = planFleet(config)): number {
  const longest = Math.max(...plan.shards.map((s) => s.invokeEverySeconds));
  const periods = Math.max(config.alarms.silent.evaluationPeriods, config.alarms.failing.evaluationPeriods);
  return Math.min(2880, Math.max(5, Math.ceil((longest * (periods + 1)) / 60)));
}

/**
 * A metric of the monitor (contracts/metrics.ts, the identity the publisher writes) as an alarm
 * reads it. The unit stays out: an alarm with a Unit sees only datapoints published with it.
 */
function alarmMetric(metric: MetricIdentity, statistic: AlarmMetric['statistic'], periodSeconds: number): AlarmMetric {
  return { namespace: metric.namespace, metricName: metric.metricName, dimensions: metric.dimensions, statistic, periodSeconds };
}

function describe(lines: readonly string[]): string {
  const text = lines.join(' ');
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 3)}...` : text;
}

function quorumText(config: MonitorConfig, intervalSeconds?: number): string {
  const n = locationCount(config);
  if (n <= 1) return '';
  const runs = intervalSeconds !== undefined ? quorumFailedRuns(config, intervalSeconds) : undefined;
  const proof =
    runs !== undefined && isFastInterval(intervalSeconds!) && quorumOf(config) > 1
      ? ` (${runs} failed runs in a 60 s period: more than ${quorumOf(config) - 1 === 1 ? 'one location makes' : `${quorumOf(config) - 1} locations make`} alone)`
      : '';
  return ` Fires when at least ${quorumOf(config)} of ${n} locations see it in one period${proof}.`;
}

/**
 * Periods a quorum alarm looks back beyond the configured N: CloudWatch judges the N most recent
 * periods that hold data, and with several locations the newest one often holds only the locations
 * whose datapoints are already in (each runs at its own phase and ingests with its own delay). Alone
 * it would hide the period before it, complete by then, for as long as the late location stays late.
 * One more period (60 s and longer: every location's datapoint is in within a minute), or 20 s more
 * of a fast check's periods (10 s: 2), lets the complete period be judged. Datapoints only ever
 * undercount the failing locations, so looking back further adds no false page. One location: 0.
 */
export function latePeriods(config: MonitorConfig, periodSeconds: number): number {
  if (locationCount(config) <= 1) return 0;
  return periodSeconds >= 60 ? 1 : Math.ceil(20 / periodSeconds);
}

/** M of N + the late periods, within the longest window the alarm may evaluate (`maxWindowSeconds`). */
function withLatePeriods(
  config: MonitorConfig,
  a: { datapointsToAlarm: number; evaluationPeriods: number },
  periodSeconds: number,
  maxWindowSeconds: number,
) {
  const evaluationPeriods = Math.min(
    a.evaluationPeriods + latePeriods(config, periodSeconds),
    Math.max(a.evaluationPeriods, Math.floor(maxWindowSeconds / periodSeconds)),
  );
  return { datapointsToAlarm: a.datapointsToAlarm, evaluationPeriods, late: evaluationPeriods - a.evaluationPeriods };
}

function lateText(late: number): string {
  return late > 0 ? ` (${late === 1 ? 'one period' : `${late} periods`} more than configured, for a late location's datapoints)` : '';
}

function mOfN(a: { datapointsToAlarm: number; evaluationPeriods: number }, periodSeconds: number): string {
  return `Fires on ${a.datapointsToAlarm} of ${a.evaluationPeriods} periods of ${periodSeconds} s.`;
}

/** The Metrics Insights class alarms of one interval. */
function insightsAlarms(config: MonitorConfig, interval: number, warmUp: number): InsightsAlarmDefinition[] {
  const fast = isFastInterval(interval);
  const periodSeconds = fast ? 60 : interval;
  const schema = [Dimension.CHECK, Dimension.INTERVAL, Dimension.REASON];
  const select = (reason?: string): InsightsSelect => ({
    aggregate: 'SUM',
    metricName: MetricName.FAILURES,
    namespace: config.namespace,
    schemaDimensions: schema,
    where: { [Dimension.INTERVAL]: String(interval), ...(reason ? { [Dimension.REASON]: reason } : {}) },
    groupBy: Dimension.CHECK,
    limit: INSIGHTS_QUERY_LIMIT,
  });
  const deployed = (a: { datapointsToAlarm: number; evaluationPeriods: number }) =>
    withLatePeriods(config, a, periodSeconds, INSIGHTS_MAX_WINDOW_SECONDS);
  const confirm = fast ? 'Each datapoint is one tick of a fast check.' : 'Each datapoint is already confirmed by a retry.';
  const scope = `Checks every ${interval} s; the contributor (Check) names the failing check.`;
  const make = (
    cls: AlarmClass,
    q: InsightsSelect,
    a: { datapointsToAlarm: number; evaluationPeriods: number; threshold: number },
    runbook: string,
  ): InsightsAlarmDefinition => ({
    type: 'insights',
    class: cls,
    id: `${cls}-${interval}s`,
    query: renderInsightsQuery(q),
    select: q,
    periodSeconds,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    // The configured threshold counts failed runs per period; with several locations, at least the
    // failed runs that prove a quorum of them failed (a fast check's location makes several a period).
    threshold: Math.max(a.threshold, quorumFailedRuns(config, interval)),
    evaluationPeriods: deployed(a).evaluationPeriods,
    datapointsToAlarm: deployed(a).datapointsToAlarm,
    // The series exist only while runs fail: a period without a failure is a healthy one.
    treatMissingData: 'notBreaching',
    description: describe([scope, runbook, mOfN(deployed(a), periodSeconds) + lateText(deployed(a).late), confirm + quorumText(config, interval)]),
    warmUpMinutes: warmUp,
  });
  const { refused, forbidden, failing } = config.alarms;
  const ws = KINDS.websocket.label;
  return [
    make(
      AlarmClass.REFUSED,
      select(Outcome.REFUSED),
      refused,
      `Connection refused (${OUTCOME_RUNBOOK.refused.meaning}). Check ${OUTCOME_RUNBOOK.refused.check}.`,
    ),
    make(
      AlarmClass.FORBIDDEN,
      select(Outcome.FORBIDDEN),
      forbidden,
      `HTTP 403. ${ws} with cause origin_rejected in the logs: ${CAUSE_RUNBOOK.origin_rejected}. ` +
        `API with cause credentials_not_recognized: ${CAUSE_RUNBOOK.credentials_not_recognized}. With permission_denied: ${CAUSE_RUNBOOK.permission_denied}.`,
    ),
    ...(fast
      ? []
      : [
          make(
            AlarmClass.FAILING,
            select(),
            failing,
            "The check is failing (any outcome but ok). The Reason of its Failures datapoints and the runner logs name the outcome and cause; each outcome's meaning and first checks are on the dashboard runbook.",
          ),
        ]),
  ];
}

/**
 * The per-check high-resolution Failing alarm of a fast check. One location: `Success` Average ≤ 0
 * (the tick failed). Several: the failed runs of the period, all locations together, as metric math
 * SampleCount(Success) − Sum(Success) ≥ quorum. Each location makes one run per period of the
 * check's interval, so that counts failed locations; a location whose datapoint is not in yet counts
 * as not failed, never as failed. An Average ≤ (n − q) / n would not do: with only the failing
 * location's datapoint in when CloudWatch evaluates the period, the Average is 0 and one location
 * pages (`npm run bench`: quorum).
 */
function fastFailingAlarm(config: MonitorConfig, check: Check, warmUp: number): MetricAlarmDefinition | MathAlarmDefinition {
  const n = locationCount(config);
  const q = quorumOf(config);
  // Several locations: one more period or two for the late locations' datapoints (see latePeriods).
  const failing = withLatePeriods(config, config.alarms.fastFailing, check.intervalSeconds, STANDARD_MAX_WINDOW_SECONDS);
  const metric = (statistic: AlarmMetric['statistic']): AlarmMetric =>
    alarmMetric(metricIdentity.success(config.namespace, check.name), statistic, check.intervalSeconds);
  const common = {
    class: AlarmClass.FAILING,
    id: `${AlarmClass.FAILING}-${check.name}`,
    check: check.name,
    evaluationPeriods: failing.evaluationPeriods,
    datapointsToAlarm: failing.datapointsToAlarm,
    // A silent runner is the Silent alarm's page, not this one's.
    treatMissingData: 'notBreaching',
    description: describe([
      `${KINDS[check.kind].label} check "${check.name}" (every ${check.intervalSeconds} s) is failing.`,
      'The runner logs and the Failures{Reason} metric name the outcome and cause.',
      mOfN(failing, check.intervalSeconds) + lateText(failing.late),
      'Each datapoint is one tick, a failure already confirmed by a retry inside the tick.' +
        (n > 1 ? ` Fires when at least ${q} of ${n} locations fail the same tick (failed runs = SampleCount − Sum of Success, per period).` : ''),
    ]),
    warmUpMinutes: warmUp,
  } as const;
  if (n === 1) {
    return { type: 'metric', ...common, metric: metric('Average'), comparisonOperator: 'LessThanOrEqualToThreshold', threshold: 0 };
  }
  return {
    type: 'math',
    ...common,
    metrics: { runs: metric('SampleCount'), ok: metric('Sum') },
    expression: 'runs - ok',
    label: 'failed runs (all locations)',
    periodSeconds: check.intervalSeconds,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: q,
  };
}

/** The Silent alarm of one shard in one location. */
function silentAlarm(config: MonitorConfig, shard: FleetPlan['shards'][number], location: string, warmUp: number): MetricAlarmDefinition {
  const { silent } = config.alarms;
  const periodSeconds = shard.invokeEverySeconds;
  const home = config.locations.length ? homeRegionOf(config) : undefined;
  return {
    type: 'metric',
    class: AlarmClass.SILENT,
    id: `${AlarmClass.SILENT}-${shard.id}-${location}`,
    shard: shard.id,
    location,
    metric: alarmMetric(metricIdentity.shardResults(config.namespace, shard.id, location), 'SampleCount', periodSeconds),
    comparisonOperator: 'LessThanThreshold',
    threshold: silent.threshold,
    evaluationPeriods: silent.evaluationPeriods,
    datapointsToAlarm: silent.datapointsToAlarm,
    treatMissingData: 'breaching',
    description: describe([
      `Runner shard ${shard.id} in ${location} stopped publishing (${shard.checks.length} checks every ${shard.intervalSeconds} s:`,
      `${shard.checks.slice(0, 5).join(', ')}${shard.checks.length > 5 ? `, and ${shard.checks.length - 5} more (the dashboard and the runner logs list them)` : ''}).`,
      'The probe itself stopped: schedule disabled, function erroring or timing out, throttled, or PutMetricData denied.',
      "Check the runner function's Errors and Throttles metrics and logs, the EventBridge Scheduler schedule, and EMF fallback lines in the logs" +
        (home && location !== home ? ` (in ${location}: EMF metrics appear in the runner's region, not here in ${home}).` : '.'),
      mOfN(silent, periodSeconds),
    ]),
    warmUpMinutes: warmUp,
  };
}

/**
 * Where the home stack runs a runner (single location: the deploy region; else the home region
 * when it is one of the locations). Runners in other regions live in their own stacks.
 */
export function homeRunnerLocation(config: MonitorConfig): string | undefined {
  if (!config.locations.length) return DEFAULT_LOCATION;
  const home = homeRegionOf(config);
  return home !== undefined && config.locations.includes(home) ? home : undefined;
}

/**
 * Fires in the first minute that counts one or more (RunnerDropped, NotificationFailures): their
 * metrics exist only when something went wrong, so missing data is not breaching.
 */
const ON_FIRST_COUNT = {
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  threshold: 1,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  treatMissingData: 'notBreaching',
} as const;

/**
 * Runs Lambda dropped (throttled past the maximum event age) leave no trace but a missing
 * heartbeat; this pages on the first one and says why. AWS/Lambda metrics and alarm actions are
 * regional, so only the home region's runner has it; other locations' drops show as Silent.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (AsyncEventsDropped).
 */
function runnerDroppedAlarm(location: string, warmUp: number): MetricAlarmDefinition {
  return {
    type: 'metric',
    class: AlarmClass.RUNNER_DROPPED,
    id: `${AlarmClass.RUNNER_DROPPED}-${location}`,
    location,
    metric: {
      namespace: 'AWS/Lambda',
      metricName: 'AsyncEventsDropped',
      dimensions: { FunctionName: RUNNER_FUNCTION_NAME },
      statistic: 'Sum',
      periodSeconds: 60,
    },
    ...ON_FIRST_COUNT,
    description: describe([
      `The synthmon runner in ${location} dropped scheduled runs (AsyncEventsDropped > 0): Lambda throttled the invocations past their maximum event age, so those checks did not run.`,
      "Check the account's Lambda concurrency (reserved / unreserved) and the runner function's Throttles metric.",
    ]),
    warmUpMinutes: warmUp,
  };
}

/** The host names of the checks that run TLS (wss://, https://), lower case, in configuration order. */
export function tlsHosts(config: MonitorConfig): string[] {
  return [...new Set(config.checks.flatMap((check) => tlsHostOf(check) ?? []))];
}

/**
 * CertificateExpiring per TLS host (docs/DESIGN.md#alarms): the leaf certificate's days left below the
 * threshold. Hourly periods: a certificate changes by the day, and one alarm a host costs $0.10.
 */
function certificateAlarm(config: MonitorConfig, host: string, warmUp: number): MetricAlarmDefinition {
  const { daysLeft } = config.alarms.certificateExpiring;
  return {
    type: 'metric',
    class: AlarmClass.CERTIFICATE_EXPIRING,
    id: `${AlarmClass.CERTIFICATE_EXPIRING}-${host}`,
    host,
    metric: alarmMetric(metricIdentity.certificateDaysLeft(config.namespace, host), 'Minimum', 3600),
    comparisonOperator: 'LessThanThreshold',
    threshold: daysLeft,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    // No datapoint: no TLS handshake completed, which the checks' own alarms report.
    treatMissingData: 'notBreaching',
    description: describe([
      `The TLS certificate of ${host} expires in fewer than ${daysLeft} days (CertificateDaysLeft, the fewest days any check of the host saw in the hour).`,
      'Renew it on the proxy (e.g. Traefik ACME) and check that its automatic renewal works (the ACME logs, the DNS or HTTP challenge route).',
      `See what the server presents: synthmon probe https://${host}/ --json (certificate: validTo, issuer, chain, fingerprint256), or openssl s_client -connect ${host}:443 -servername ${host} -showcerts (the checks' port if not 443).`,
    ]),
    warmUpMinutes: warmUp,
  };
}

/**
 * NotificationFailures (docs/DESIGN.md#incidents): a page waits in an incident outbox because a
 * channel failed. Metrics Insights SUM ≥ 1 in a minute over NotificationFailures{Channel}, one
 * contributor per channel; the series exist only while deliveries fail, so missing data is not
 * breaching. No warm-up: with no datapoint a new alarm goes INSUFFICIENT_DATA → OK, which the
 * alarm-state rule does not forward.
 */
function notificationFailuresAlarm(config: MonitorConfig): InsightsAlarmDefinition {
  const select: InsightsSelect = {
    aggregate: 'SUM',
    metricName: MetricName.NOTIFICATION_FAILURES,
    namespace: config.namespace,
    schemaDimensions: [Dimension.CHANNEL],
    where: {},
    groupBy: Dimension.CHANNEL,
    limit: INSIGHTS_QUERY_LIMIT,
  };
  return {
    type: 'insights',
    class: AlarmClass.NOTIFICATION_FAILURES,
    id: AlarmClass.NOTIFICATION_FAILURES,
    query: renderInsightsQuery(select),
    select,
    periodSeconds: 60,
    ...ON_FIRST_COUNT,
    description:
      'A page could not be delivered to a notification channel (it stays in the incident outbox and is retried every run). ' +
      'Check the runner log lines "notification not delivered" for the channel and status: the receiver down, a revoked routing key or webhook, or the network.',
  };
}

/** Every alarm of the monitor. */
export function alarmDefinitions(config: MonitorConfig, plan: FleetPlan = planFleet(config)): AlarmDefinition[] {
  const warmUp = warmUpMinutes(config, plan);
  const intervals = [...new Set(config.checks.map((c) => c.intervalSeconds))].sort((a, b) => a - b);
  return [
    ...intervals.flatMap((i) => insightsAlarms(config, i, warmUp)),
    ...config.checks.filter((c) => isFastInterval(c.intervalSeconds)).map((c) => fastFailingAlarm(config, c, warmUp)),
    ...plan.shards.flatMap((s) => locationLabels(config).map((l) => silentAlarm(config, s, l, warmUp))),
    ...[homeRunnerLocation(config)].filter((l): l is string => l !== undefined).map((l) => runnerDroppedAlarm(l, warmUp)),
    ...tlsHosts(config).map((host) => certificateAlarm(config, host, warmUp)),
    notificationFailuresAlarm(config),
  ];
}
