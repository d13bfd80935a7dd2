/**
 * The alarm model (docs/DESIGN.md#alarms) as plain data: what lib/alarms/definitions.ts builds from the
 * configuration, what the CDK construct deploys, and what the local evaluator (./evaluator.ts)
 * evaluates with CloudWatch's semantics. A test compares the synthesized template with these.
 * No CDK import, so the CLI, the demo and the bench load it cheaply.
 */
import { renderQuery, type InsightsQuery } from './insights';

/** The paging classes. */
export const AlarmClass = {
  REFUSED: 'Refused',
  FORBIDDEN: 'Forbidden',
  FAILING: 'Failing',
  SILENT: 'Silent',
  /** The runner's asynchronous invocations were dropped (throttled past their maximum event age). */
  RUNNER_DROPPED: 'RunnerDropped',
  /** A TLS host's leaf certificate expires soon. */
  CERTIFICATE_EXPIRING: 'CertificateExpiring',
  /** A page could not be delivered to a notification channel (the incident pipeline's channel-failed alert). */
  NOTIFICATION_FAILURES: 'NotificationFailures',
} as const;
export type AlarmClass = (typeof AlarmClass)[keyof typeof AlarmClass];

/** CloudWatch statistics (one definition: contracts/metrics.ts). */
export type { Statistic } from '../../contracts/metrics';
import type { Statistic } from '../../contracts/metrics';
export type ComparisonOperator = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

/** The metric a single-metric alarm watches: namespace, name and the exact dimension set. */
export interface AlarmMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: Statistic;
  readonly periodSeconds: number;
}

/**
 * Stands for the runner function's name in an alarm's dimensions: known only at deploy time, the
 * construct puts the function's name (a CloudFormation reference) in its place.
 */
export const RUNNER_FUNCTION_NAME = '${RunnerFunctionName}';

/** What every alarm has. */
interface AlarmBase {
  readonly class: AlarmClass;
  /** Unique within the monitor; the construct id and the alarm name's suffix, e.g. `Refused-60s`. */
  readonly id: string;
  readonly comparisonOperator: ComparisonOperator;
  readonly threshold: number;
  /** N in "M out of N". */
  readonly evaluationPeriods: number;
  /** M in "M out of N". */
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  /** Runbook text for the paged engineer (≤ 1024 characters, CloudWatch's limit). */
  readonly description: string;
  /**
   * CloudWatch alarm warm-up: after creation the alarm stays INSUFFICIENT_DATA and runs no actions
   * for this long (WarmUpConfiguration.WarmUpPeriodDurationInMinutes, 1 to 2,880).
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-warm-up.html: "During warm-up,
   * the alarm stays in INSUFFICIENT_DATA and does not perform alarm actions".
   */
  readonly warmUpMinutes?: number;
}

/** A standard metric alarm on one metric (one time series). */
export interface MetricAlarmDefinition extends AlarmBase {
  readonly type: 'metric';
  readonly metric: AlarmMetric;
  /** The check it watches, when it watches one. */
  readonly check?: string;
  /** The runner shard and location it watches (Silent alarms). */
  readonly shard?: string;
  readonly location?: string;
  /** The host it watches (CertificateExpiring). */
  readonly host?: string;
}

/**
 * A Metrics Insights multi-time-series alarm: one query with GROUP BY; every group (contributor)
 * is evaluated on its own and can be in ALARM or OK only; the alarm is in ALARM while any
 * contributor is. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Acting_Alarm_Changes.html:
 * "each time series (contributor) can only be in ALARM or OK state, never in INSUFFICIENT_DATA state.
 * This is because a time series only exists when data is present."
 */
export interface InsightsAlarmDefinition extends AlarmBase {
  readonly type: 'insights';
  /** The Metrics Insights query exactly as deployed (AWS::CloudWatch::Alarm Metrics[0].Expression). */
  readonly query: string;
  /** The query's period (Metrics Insights alarms are standard resolution: 60 s or more). */
  readonly periodSeconds: number;
  /** The query, as structured data (the evaluator checks that `query` is exactly what this renders to). */
  readonly select: InsightsSelect;
}

/** The subset of Metrics Insights SQL these alarms use. */
export interface InsightsSelect {
  /** SUM, AVG, MIN, MAX or COUNT of `metricName`. */
  readonly aggregate: 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'COUNT';
  readonly metricName: string;
  readonly namespace: string;
  /** SCHEMA(namespace, ...dimensions): only metrics with exactly these dimension keys. */
  readonly schemaDimensions: readonly string[];
  /** WHERE dim = 'value' AND ... (equality only). */
  readonly where: Readonly<Record<string, string>>;
  /** GROUP BY this dimension: one contributor per value. */
  readonly groupBy: string;
  /** ORDER BY <aggregate>() DESC LIMIT n. */
  readonly limit: number;
}

/**
 * A metric math alarm on statistics of metrics: `expression` is `<id> - <id>` over two of `metrics`
 * (the one form modelled), evaluated per period on the periods where both have a value. It counts
 * what no single statistic can: a fast check's failed runs of a period, all locations together, as
 * SampleCount(Success) − Sum(Success), which late datapoints can only undercount (an Average would
 * read one failed location's early datapoint as "every location failed").
 */
export interface MathAlarmDefinition extends AlarmBase {
  readonly type: 'math';
  /** The metric queries by id (an id starts with a lower-case letter), each with its statistic; every period is `periodSeconds`. */
  readonly metrics: Readonly<Record<string, AlarmMetric>>;
  /** The expression the alarm watches, e.g. `runs - ok`. */
  readonly expression: string;
  /** The expression's label (what the alarm's reason and the console call the value). */
  readonly label: string;
  readonly periodSeconds: number;
  /** The check it watches, when it watches one. */
  readonly check?: string;
}

export type AlarmDefinition = MetricAlarmDefinition | InsightsAlarmDefinition | MathAlarmDefinition;

/** The period an alarm evaluates. */
export function alarmPeriodSeconds(d: AlarmDefinition): number {
  return d.type === 'metric' ? d.metric.periodSeconds : d.periodSeconds;
}

/** `a - b`: the ids of the one math form modelled, or undefined. */
export function parseMathExpression(expression: string): { readonly minuend: string; readonly subtrahend: string } | undefined {
  const m = /^([a-z][A-Za-z0-9_]*) - ([a-z][A-Za-z0-9_]*)$/.exec(expression);
  return m ? { minuend: m[1]!, subtrahend: m[2]! } : undefined;
}

/** The InsightsSelect as a general Metrics Insights query (GROUP BY one key, ORDER BY the aggregate, descending). */
export function insightsQueryOf(q: InsightsSelect): InsightsQuery {
  return {
    aggregate: q.aggregate,
    metricName: q.metricName,
    namespace: q.namespace,
    schemaDimensions: q.schemaDimensions,
    where: q.where,
    groupBy: [q.groupBy],
    orderBy: { aggregate: q.aggregate, direction: 'DESC' },
    limit: q.limit,
  };
}

/**
 * Render an InsightsSelect as Metrics Insights SQL through the monitor's one renderer
 * (./insights.ts: every identifier double-quoted, so no name collides with a reserved keyword).
 */
export function renderInsightsQuery(q: InsightsSelect): string {
  return renderQuery(insightsQueryOf(q));
}
