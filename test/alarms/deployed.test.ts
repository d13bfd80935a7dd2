/**
 * DESIGN §7: the local evaluator evaluates exactly the alarms the stack deploys. Synthesizes the
 * stack and compares every AWS::CloudWatch::Alarm with the definition the evaluator evaluates.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import defaultConfigJson from '../../config/default.json';
import type { MonitorConfigInput } from '../../contracts/config';
import { AlarmEvaluator } from '../../lib/alarms/evaluator';
import { RUNNER_FUNCTION_NAME, type AlarmDefinition } from '../../lib/alarms/model';
import { MonitorStack } from '../../lib/monitor-stack';

type Properties = Record<string, unknown> & { AlarmName: unknown };

/** An alarm's name, with any CloudFormation token (e.g. the region) shown as <token>. */
function nameOf(a: Properties): string {
  if (typeof a.AlarmName === 'string') return a.AlarmName;
  const join = (a.AlarmName as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  return join ? join[1].map((p) => (typeof p === 'string' ? p : '<token>')).join(join[0]) : JSON.stringify(a.AlarmName);
}

/** The seed, plus fast (10 s) and slow (300 s) checks: every alarm type and cadence. */
const FLEET: MonitorConfigInput = {
  ...(defaultConfigJson as MonitorConfigInput),
  checks: [
    ...(defaultConfigJson as MonitorConfigInput).checks,
    { name: 'fast-health', kind: 'http', url: 'https://example.test/health/', intervalSeconds: 10 },
    { name: 'slow-report', kind: 'http', url: 'https://example.test/report/', intervalSeconds: 300 },
  ],
};

/** Dimensions sorted by name; the runner function's name (a reference) shown as the model's placeholder. */
const byName = (dims: unknown) =>
  [...((dims ?? []) as Array<{ Name: string; Value: unknown }>)]
    .map((d) => ({ Name: d.Name, Value: typeof d.Value === 'string' ? d.Value : RUNNER_FUNCTION_NAME }))
    .sort((a, b) => a.Name.localeCompare(b.Name));

/** What decides an alarm's state and actions, read from the template. */
function semantics(a: Properties) {
  const warmUp = a.WarmUpConfiguration as { WarmUpPeriodDurationInMinutes?: number; OnlyStartEvaluatingAfterWarmUpPeriodEnds?: boolean } | undefined;
  return {
    ComparisonOperator: a.ComparisonOperator,
    Threshold: a.Threshold,
    EvaluationPeriods: a.EvaluationPeriods,
    DatapointsToAlarm: a.DatapointsToAlarm,
    TreatMissingData: a.TreatMissingData,
    AlarmDescription: a.AlarmDescription,
    warmUpMinutes: warmUp?.WarmUpPeriodDurationInMinutes,
    // The evaluator models warm-up with OnlyStartEvaluatingAfterWarmUpPeriodEnds at its default (false).
    onlyStartEvaluatingAfterWarmUpPeriodEnds: warmUp?.OnlyStartEvaluatingAfterWarmUpPeriodEnds ?? false,
    metric:
      a.MetricName === undefined
        ? undefined
        : { Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: byName(a.Dimensions), Statistic: a.Statistic, Period: a.Period },
    queries: ((a.Metrics ?? []) as Array<Record<string, unknown>>).filter((q) => q.ReturnData !== false).map((q) => ({ Expression: q.Expression, Period: q.Period })),
  };
}

/** The same, from the definition the evaluator evaluates. */
function modelled(d: AlarmDefinition): ReturnType<typeof semantics> {
  return {
    ComparisonOperator: d.comparisonOperator,
    Threshold: d.threshold,
    EvaluationPeriods: d.evaluationPeriods,
    DatapointsToAlarm: d.datapointsToAlarm,
    TreatMissingData: d.treatMissingData,
    AlarmDescription: d.description,
    warmUpMinutes: d.warmUpMinutes,
    onlyStartEvaluatingAfterWarmUpPeriodEnds: false,
    metric:
      d.type === 'metric'
        ? {
            Namespace: d.metric.namespace,
            MetricName: d.metric.metricName,
            Dimensions: byName(Object.entries(d.metric.dimensions).map(([Name, Value]) => ({ Name, Value }))),
            Statistic: d.metric.statistic,
            Period: d.metric.periodSeconds,
          }
        : undefined,
    queries: d.type === 'insights' ? [{ Expression: d.query, Period: d.periodSeconds }] : [],
  };
}

describe('evaluators and the deployed alarms', () => {
  test.each([
    ['the seed configuration', defaultConfigJson as MonitorConfigInput],
    ['a fleet with 10 s, 60 s and 300 s checks', FLEET],
  ])('evaluates exactly the alarms the stack synthesizes for %s', (_what, config) => {
    // Bundling skipped: only the alarms are compared, not the function code.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new MonitorStack(app, 'EvalCompare', { config });
    const definitions = stack.monitor.alarmDefinitions;
    const deployed = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((r) => (r as { Properties: Properties }).Properties);
    // Constructing checks each definition, an Insights alarm's query against its select included.
    const evaluators = definitions.map((d) => new AlarmEvaluator(d));

    for (const { definition: d } of evaluators) {
      const matches = deployed.filter((a) => nameOf(a).endsWith(`-${d.id}`));
      expect(matches.map(nameOf), `alarms deployed for ${d.id}`).toHaveLength(1);
      expect(semantics(matches[0]!), `${d.id}`).toEqual(modelled(d));
    }
    // Nothing is deployed that the evaluator does not evaluate.
    const unmodelled = deployed.filter((a) => !definitions.some((d) => nameOf(a).endsWith(`-${d.id}`))).map(nameOf);
    expect(unmodelled).toEqual([]);
    expect(deployed).toHaveLength(definitions.length);
  });
});
