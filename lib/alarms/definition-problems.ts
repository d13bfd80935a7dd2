/**
 * What makes an alarm definition one the evaluator cannot evaluate as CloudWatch would
 * (docs/DESIGN.md#alarms): PutMetricAlarm's limits on periods and evaluation periods, the one metric
 * math form modelled, and a Metrics Insights query that must parse and match its structured select.
 * Every problem is listed, not the first.
 */
import { InsightsQueryError, parseQuery } from './insights';
import { alarmPeriodSeconds, parseMathExpression, renderInsightsQuery, type AlarmDefinition } from './model';
import { INSIGHTS_LOOKBACK_MS, MAX_INSIGHTS_SERIES } from './contributors';

/** An alarm definition the evaluator cannot evaluate as CloudWatch would; `problems` lists every one. */
export class InvalidAlarmDefinitionError extends Error {
  readonly code = 'invalid_alarm_definition';
  constructor(
    readonly alarm: string,
    readonly problems: readonly string[],
  ) {
    super(`${alarm}: ${problems.join('; ')}`);
    this.name = 'InvalidAlarmDefinitionError';
  }
}

/** PutMetricAlarm, Period: "Valid values are 10, 20, 30, and any multiple of 60." */
function isValidAlarmPeriod(seconds: number): boolean {
  return seconds === 10 || seconds === 20 || seconds === 30 || (Number.isInteger(seconds) && seconds > 0 && seconds % 60 === 0);
}

/** Every problem of a definition evaluated over `rangePeriods` periods; empty when it is valid. */
export function definitionProblems(d: AlarmDefinition, rangePeriods: number): string[] {
  const problems: string[] = [];
  const { evaluationPeriods: n, datapointsToAlarm: m } = d;
  if (!Number.isInteger(n) || n < 1) problems.push(`evaluationPeriods must be a whole number >= 1, got ${n}`);
  if (!Number.isInteger(m) || m < 1 || m > n) problems.push(`datapointsToAlarm (${m}) must be between 1 and evaluationPeriods (${n})`);
  if (!Number.isInteger(rangePeriods) || rangePeriods < n) {
    problems.push(`evaluationRangePeriods (${rangePeriods}) must be a whole number >= evaluationPeriods (${n})`);
  }
  if (d.warmUpMinutes !== undefined && (!Number.isInteger(d.warmUpMinutes) || d.warmUpMinutes < 1 || d.warmUpMinutes > 2880)) {
    problems.push(`warmUpMinutes must be a whole number from 1 to 2,880 (WarmUpPeriodDurationInMinutes), got ${d.warmUpMinutes}`);
  }
  const periodSeconds = alarmPeriodSeconds(d);
  if (d.type === 'math') {
    if (!isValidAlarmPeriod(periodSeconds)) problems.push(`periodSeconds must be 10, 20, 30 or a multiple of 60, got ${periodSeconds}`);
    const max = periodSeconds < 3600 ? 86_400 : 604_800;
    if (periodSeconds * n > max) problems.push(`periodSeconds × evaluationPeriods (${periodSeconds} × ${n}) must not exceed ${max} s`);
    const parsed = parseMathExpression(d.expression);
    if (!parsed) problems.push(`expression must be "<id> - <id>" (the one metric math form modelled), got ${JSON.stringify(d.expression)}`);
    for (const id of parsed ? [parsed.minuend, parsed.subtrahend] : []) {
      if (!Object.hasOwn(d.metrics, id))
        problems.push(`expression names "${id}", which is not one of metrics (${Object.keys(d.metrics).join(', ')})`);
    }
    for (const [id, m] of Object.entries(d.metrics)) {
      if (!/^[a-z][A-Za-z0-9_]*$/.test(id)) problems.push(`metrics id "${id}" must start with a lower-case letter (MetricDataQuery Id)`);
      if (m.periodSeconds !== periodSeconds)
        problems.push(`metrics.${id}.periodSeconds must be the alarm's ${periodSeconds}, got ${m.periodSeconds}`);
    }
    return problems;
  }
  if (d.type === 'metric') {
    if (!isValidAlarmPeriod(periodSeconds)) problems.push(`metric.periodSeconds must be 10, 20, 30 or a multiple of 60, got ${periodSeconds}`);
    // PutMetricAlarm: Period × EvaluationPeriods ≤ 604,800 s, and ≤ 86,400 s for periods under an hour.
    const max = periodSeconds < 3600 ? 86_400 : 604_800;
    if (periodSeconds * n > max) problems.push(`periodSeconds × evaluationPeriods (${periodSeconds} × ${n}) must not exceed ${max} s`);
    return problems;
  }
  // Metrics Insights alarms are "only available with standard resolution (evaluated every 60 seconds)"
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_billing.html).
  if (!(Number.isInteger(periodSeconds) && periodSeconds >= 60 && periodSeconds % 60 === 0)) {
    problems.push(`periodSeconds must be a multiple of 60 (Metrics Insights alarms are standard resolution), got ${periodSeconds}`);
  }
  if (periodSeconds * n > INSIGHTS_LOOKBACK_MS / 1000) {
    problems.push(
      `periodSeconds × evaluationPeriods (${periodSeconds} × ${n}) must not exceed 10800 s: only the latest 3 hours of data are evaluated`,
    );
  }
  // The deployed query must parse with the grammar AWS documents (reserved keywords quoted, LIMIT
  // within 500, ...): CloudFormation would otherwise roll back or the alarm never evaluate.
  try {
    parseQuery(d.query);
  } catch (err) {
    if (!(err instanceof InsightsQueryError)) throw err;
    for (const p of err.problems) problems.push(`query is not valid Metrics Insights: ${p}`);
  }
  const q = d.select;
  const rendered = renderInsightsQuery(q);
  if (d.query !== rendered)
    problems.push(`query must be exactly what select renders to: got ${JSON.stringify(d.query)}, select renders ${JSON.stringify(rendered)}`);
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_INSIGHTS_SERIES)
    problems.push(`select.limit must be a whole number from 1 to ${MAX_INSIGHTS_SERIES}, got ${q.limit}`);
  if (!q.schemaDimensions.includes(q.groupBy))
    problems.push(`select.groupBy (${q.groupBy}) must be one of the SCHEMA dimensions (${q.schemaDimensions.join(', ')})`);
  for (const k of Object.keys(q.where)) {
    if (!q.schemaDimensions.includes(k))
      problems.push(`select.where.${k} is not a SCHEMA dimension (${q.schemaDimensions.join(', ')}): the query would match nothing`);
  }
  return problems;
}
