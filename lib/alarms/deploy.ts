/**
 * An alarm definition (./model.ts) as the properties of a raw AWS::CloudWatch::Alarm, written
 * directly rather than through aws-cdk-lib's `Alarm` and `Metric`: those refuse a 20 s period
 * ("'period' must be 1, 5, 10, 30, or a multiple of 60 seconds") that CloudWatch accepts —
 * PutMetricAlarm, Period: "Valid values are 10, 20, 30, and any multiple of 60"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html), and for
 * a metric math alarm's queries AWS::CloudWatch::Alarm MetricStat, Period: "For high-resolution
 * metrics ... the period can be 1, 5, 10, 20, 30, 60, or any multiple of 60"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cloudwatch-alarm-metricstat.html).
 *
 * No alarm actions: a notification comes from one EventBridge rule on the alarms' state changes
 * (lib/synthetic-monitor.ts, docs/DESIGN.md "Alarms"), so a fresh deploy's INSUFFICIENT_DATA → OK
 * pages no one.
 */
import { createHash } from 'node:crypto';
import type { CfnAlarmProps } from 'aws-cdk-lib/aws-cloudwatch';
import { RUNNER_FUNCTION_NAME, type AlarmDefinition, type AlarmMetric } from './model';

/** PutMetricAlarm, AlarmName: "Length Constraints: Minimum length of 1. Maximum length of 255." */
export const MAX_ALARM_NAME = 255;

/** A short stable hash of a text (hex). */
export function shortHash(text: string, chars = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, chars);
}

/**
 * CloudWatch alarm names are at most 255 characters; a longer one keeps its start and ends in a
 * hash of the whole, so two long names never collide by truncation (and keep their common prefix).
 */
export function alarmNameOf(name: string): string {
  if (name.length <= MAX_ALARM_NAME) return name;
  return `${name.slice(0, MAX_ALARM_NAME - 9)}-${shortHash(name)}`;
}

/** Longest alarm name prefix of a monitor: long prefixes end in a hash, so every alarm name keeps the whole prefix. */
const MAX_PREFIX = 180;

/**
 * The prefix of every alarm name of a monitor: `<stack name>-<construct path below the stack>`,
 * the path's ids joined by hyphens; when the monitor is not a direct child of its stack, a hash of
 * its full construct path follows, so two monitors with the same id under different parents
 * (A/Monitor, B/Monitor) or paths that join alike (A-B/Monitor, A/B-Monitor) never share names.
 */
export function alarmPrefixOf(stackName: string, pathBelowStack: readonly string[], fullPath: string): string {
  const base = `${stackName}-${pathBelowStack.join('-')}`;
  const prefix = pathBelowStack.length > 1 ? `${base}-${shortHash(fullPath)}` : base;
  return prefix.length <= MAX_PREFIX ? prefix : `${prefix.slice(0, MAX_PREFIX - 9)}-${shortHash(prefix)}`;
}

const dimensionsOf = (m: AlarmMetric, runnerFunctionName: string | undefined) =>
  Object.entries(m.dimensions).map(([name, value]) => {
    if (value !== RUNNER_FUNCTION_NAME) return { name, value };
    if (runnerFunctionName === undefined) throw new Error(`the alarm on ${m.metricName} watches the runner function, but this monitor has no runner`);
    return { name, value: runnerFunctionName };
  });

/** The AWS::CloudWatch::Alarm properties of a definition (no actions). */
export function alarmProps(def: AlarmDefinition, alarmName: string, runnerFunctionName?: string): CfnAlarmProps {
  const common = {
    alarmName,
    alarmDescription: def.description,
    comparisonOperator: def.comparisonOperator,
    threshold: def.threshold,
    evaluationPeriods: def.evaluationPeriods,
    datapointsToAlarm: def.datapointsToAlarm,
    treatMissingData: def.treatMissingData,
    // The evaluator models warm-up with OnlyStartEvaluatingAfterWarmUpPeriodEnds at its default (false).
    ...(def.warmUpMinutes ? { warmUpConfiguration: { warmUpPeriodDurationInMinutes: def.warmUpMinutes } } : {}),
  };
  switch (def.type) {
    case 'insights':
      return { ...common, metrics: [{ id: 'q', expression: def.query, period: def.periodSeconds, returnData: true }] };
    case 'metric':
      return {
        ...common,
        namespace: def.metric.namespace,
        metricName: def.metric.metricName,
        dimensions: dimensionsOf(def.metric, runnerFunctionName),
        statistic: def.metric.statistic,
        period: def.metric.periodSeconds,
      };
    case 'math':
      return {
        ...common,
        metrics: [
          { id: 'e1', expression: def.expression, label: def.label, returnData: true },
          ...Object.entries(def.metrics).map(([id, m]) => ({
            id,
            metricStat: {
              metric: { namespace: m.namespace, metricName: m.metricName, dimensions: dimensionsOf(m, runnerFunctionName) },
              period: m.periodSeconds,
              stat: m.statistic,
            },
            returnData: false,
          })),
        ],
      };
  }
}

/**
 * Bytes an alarm adds to its template, from its properties (keys are a little shorter camelCase
 * than PascalCase, tokens longer than what they resolve to; 120 covers the resource's Type,
 * logical id and punctuation).
 */
export function alarmBytes(props: CfnAlarmProps): number {
  return JSON.stringify(props).length + 120;
}

/**
 * Alarm names a mute rule may target: MuteTargets, AlarmNames: "You can specify up to 100 alarm
 * names" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MuteTargets.html).
 */
export const MAX_ALARMS_PER_MUTE_RULE = 100;

/**
 * Alarm names in groups a mute rule each can take (at most MAX_ALARMS_PER_MUTE_RULE), in order.
 * Note: a mute rule mutes an alarm's *actions*; the monitor's alarms have none (lib/alarms/events.ts),
 * so muting their notifications also needs the notification rule (or its target) to honour the window.
 */
export function muteRuleGroups(alarmNames: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < alarmNames.length; i += MAX_ALARMS_PER_MUTE_RULE) out.push(alarmNames.slice(i, i + MAX_ALARMS_PER_MUTE_RULE));
  return out;
}
