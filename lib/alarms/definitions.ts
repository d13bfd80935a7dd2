/**
 * Alarm definitions (DESIGN §7) as plain data: the one source of truth that the CDK construct turns
 * into CloudWatch alarms and the local evaluator evaluates with CloudWatch's semantics.
 * No CDK import here, so the CLI and demo load it cheaply.
 */
import type { Check, MonitorConfig } from '../../contracts/config';
import { Dimension, MetricName } from '../../contracts/metrics';
import { CAUSE_RUNBOOK, Outcome, OUTCOME_RUNBOOK } from '../../contracts/outcomes';

export const AlarmKind = {
  REFUSED: 'Refused',
  FORBIDDEN: 'Forbidden',
  FAILING: 'Failing',
  SILENT: 'Silent',
} as const;
export type AlarmKind = (typeof AlarmKind)[keyof typeof AlarmKind];

export type Statistic = 'Sum' | 'Average' | 'Minimum' | 'Maximum' | 'SampleCount';
export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

/** The metric an alarm watches. */
export interface AlarmMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: Statistic;
  readonly periodSeconds: number;
}

/** Everything CloudWatch needs to evaluate an alarm. */
export interface AlarmDefinition {
  readonly kind: AlarmKind;
  readonly check: string;
  /** Stable construct id / name suffix, e.g. `chat-websocket-Refused`. */
  readonly id: string;
  readonly metric: AlarmMetric;
  readonly comparisonOperator: ComparisonOperator;
  readonly threshold: number;
  /** N in "M out of N". */
  readonly evaluationPeriods: number;
  /** M in "M out of N". */
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  /** Runbook text for the paged engineer (≤ 1024 characters, CloudWatch's limit). */
  readonly description: string;
}

const MAX_DESCRIPTION = 1024;

function describe(check: Check, lines: string[]): string {
  const text = [`${check.kind === 'websocket' ? 'WebSocket' : 'HTTP'} check "${check.name}" (${check.url}).`, ...lines].join(' ');
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 3)}...` : text;
}

function forbiddenRunbook(check: Check): string {
  return check.kind === 'websocket'
    ? `WebSocket upgrade answered 403. With cause origin_rejected in the logs: ${CAUSE_RUNBOOK.origin_rejected}. Otherwise the consumer refused the token before accept(): check the token secret and the auth middleware.`
    : `API answered 403. With cause credentials_not_recognized: ${CAUSE_RUNBOOK.credentials_not_recognized}. With permission_denied: ${CAUSE_RUNBOOK.permission_denied}.`;
}

/** The four alarms of one check, from the configuration. */
export function checkAlarmDefinitions(config: MonitorConfig, check: Check): AlarmDefinition[] {
  const periodSeconds = config.intervalMinutes * 60;
  const dims = { [Dimension.CHECK]: check.name };
  const base = (kind: AlarmKind) => ({ kind, check: check.name, id: `${check.name}-${kind}` });
  const { refused, forbidden, failing, silent } = config.alarms;
  const mOfN = (a: { datapointsToAlarm: number; evaluationPeriods: number }) =>
    `Fires on ${a.datapointsToAlarm} of ${a.evaluationPeriods} periods of ${config.intervalMinutes} min; each datapoint is already confirmed by a retry.`;
  return [
    {
      ...base(AlarmKind.REFUSED),
      metric: { namespace: config.namespace, metricName: MetricName.FAILURES, dimensions: { ...dims, [Dimension.REASON]: Outcome.REFUSED }, statistic: 'Sum', periodSeconds },
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: refused.threshold,
      evaluationPeriods: refused.evaluationPeriods,
      datapointsToAlarm: refused.datapointsToAlarm,
      treatMissingData: 'notBreaching',
      description: describe(check, [`Connection refused (${OUTCOME_RUNBOOK.refused.meaning}). Check ${OUTCOME_RUNBOOK.refused.check}.`, mOfN(refused)]),
    },
    {
      ...base(AlarmKind.FORBIDDEN),
      metric: { namespace: config.namespace, metricName: MetricName.FAILURES, dimensions: { ...dims, [Dimension.REASON]: Outcome.FORBIDDEN }, statistic: 'Sum', periodSeconds },
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: forbidden.threshold,
      evaluationPeriods: forbidden.evaluationPeriods,
      datapointsToAlarm: forbidden.datapointsToAlarm,
      treatMissingData: 'notBreaching',
      description: describe(check, [forbiddenRunbook(check), mOfN(forbidden)]),
    },
    {
      ...base(AlarmKind.FAILING),
      metric: { namespace: config.namespace, metricName: MetricName.SUCCESS, dimensions: dims, statistic: 'Average', periodSeconds },
      comparisonOperator: 'LessThanThreshold',
      threshold: failing.threshold,
      evaluationPeriods: failing.evaluationPeriods,
      datapointsToAlarm: failing.datapointsToAlarm,
      // A silent probe is the Silent alarm's job; here missing data must not page twice.
      treatMissingData: 'notBreaching',
      description: describe(check, [
        'The check is failing (any outcome but ok). The Failures metric\'s Reason dimension and the function logs name the outcome and cause;',
        'each outcome\'s meaning and first checks are on the dashboard runbook.',
        mOfN(failing),
      ]),
    },
    {
      ...base(AlarmKind.SILENT),
      metric: { namespace: config.namespace, metricName: MetricName.SUCCESS, dimensions: dims, statistic: 'SampleCount', periodSeconds },
      comparisonOperator: 'LessThanThreshold',
      threshold: silent.threshold,
      evaluationPeriods: silent.evaluationPeriods,
      datapointsToAlarm: silent.datapointsToAlarm,
      treatMissingData: 'breaching',
      description: describe(check, [
        'No Success datapoints: the probe itself stopped (schedule disabled, function erroring or timing out, PutMetricData denied or throttled).',
        'Check the function\'s Errors metric and logs, the EventBridge Scheduler schedule, and the EMF fallback lines in the logs.',
      ]),
    },
  ];
}

/** Every alarm of the monitor, check by check. */
export function alarmDefinitions(config: MonitorConfig): AlarmDefinition[] {
  return config.checks.flatMap((check) => checkAlarmDefinitions(config, check));
}
