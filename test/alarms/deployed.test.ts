/**
 * docs/DESIGN.md#alarms: the local evaluator evaluates exactly the alarms the stack deploys. Synthesizes the
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
    queries: ((a.Metrics ?? []) as Array<Record<string, unknown>>)
      .filter((q) => q.ReturnData !== false)
      .map((q) => ({ Expression: q.Expression, Period: q.Period, Label: q.Label })),
    // A metric math alarm's inputs: each query's metric, statistic and period.
    inputs: (
      (a.Metrics ?? []) as Array<{ Id: string; ReturnData?: boolean; MetricStat?: { Metric: Record<string, unknown>; Period: number; Stat: string } }>
    )
      .filter((q) => q.ReturnData === false && q.MetricStat)
      .map((q) => ({
        Id: q.Id,
        Namespace: q.MetricStat!.Metric.Namespace,
        MetricName: q.MetricStat!.Metric.MetricName,
        Dimensions: byName(q.MetricStat!.Metric.Dimensions),
        Stat: q.MetricStat!.Stat,
        Period: q.MetricStat!.Period,
      })),
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
    queries:
      d.type === 'insights'
        ? [{ Expression: d.query, Period: d.periodSeconds, Label: undefined }]
        : d.type === 'math'
          ? [{ Expression: d.expression, Period: undefined, Label: d.label }]
          : [],
    inputs:
      d.type === 'math'
        ? Object.entries(d.metrics).map(([Id, m]) => ({
            Id,
            Namespace: m.namespace,
            MetricName: m.metricName,
            Dimensions: byName(Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value }))),
            Stat: m.statistic,
            Period: m.periodSeconds,
          }))
        : [],
  };
}

describe('evaluators and the deployed alarms', () => {
  test.each([
    ['the seed configuration', defaultConfigJson as MonitorConfigInput],
    ['a fleet with 10 s, 60 s and 300 s checks', FLEET],
    // Issue 14: the quorum is in the deployed thresholds and the fast checks' metric math.
    ['that fleet from three locations, quorum 2', { ...FLEET, locations: ['us-east-1', 'eu-west-1', 'ap-southeast-1'] }],
    [
      'that fleet from five locations, quorum 3, home outside them',
      { ...FLEET, locations: ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'], homeRegion: 'us-east-2' },
    ],
  ])('evaluates exactly the alarms the stack synthesizes for %s', (_what, config) => {
    // Bundling skipped: only the alarms are compared, not the function code.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new MonitorStack(app, 'EvalCompare', { config });
    const definitions = stack.monitor.alarmDefinitions;
    const deployed = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map(
      (r) => (r as { Properties: Properties }).Properties,
    );
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

describe('the quorum in the deployed alarms (an alarm fires when a quorum of locations fails)', () => {
  test.each([
    // [locations, quorum, 60 s class threshold, 10 s class threshold (60 s periods of 6 ticks), fast Failing threshold]
    [['us-east-1', 'eu-west-1', 'ap-southeast-1'], undefined, 2, 7, 2],
    [['us-east-1', 'eu-west-1', 'ap-southeast-1'], 3, 3, 13, 3],
    [['us-east-1', 'eu-west-1', 'ap-southeast-1'], 1, 1, 1, 1],
    [['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'], undefined, 3, 13, 3],
  ])(
    'from %j with quorum %s: Refused/Forbidden/Failing thresholds %i (60 s), %i (10 s), fast Failing failed runs >= %i',
    (locations, quorum, at60, at10, fast) => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new MonitorStack(app, 'Quorum', { config: { ...FLEET, locations, ...(quorum ? { quorum } : {}) } });
      const byId = new Map(
        Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((r) => {
          const p = (r as { Properties: Properties }).Properties;
          return [nameOf(p).replace(/^Quorum-Monitor-/, ''), p] as const;
        }),
      );
      expect(['Refused-60s', 'Forbidden-60s', 'Failing-60s'].map((id) => [id, byId.get(id)?.Threshold])).toEqual([
        ['Refused-60s', at60],
        ['Forbidden-60s', at60],
        ['Failing-60s', at60],
      ]);
      expect(['Refused-10s', 'Forbidden-10s'].map((id) => [id, byId.get(id)?.Threshold])).toEqual([
        ['Refused-10s', at10],
        ['Forbidden-10s', at10],
      ]);
      // The fast check: failed runs of the period (SampleCount − Sum of Success), at least the quorum.
      expect(byId.get('Failing-fast-health')).toMatchObject({
        Threshold: fast,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Metrics: [{ Expression: 'runs - ok' }, { Id: 'runs' }, { Id: 'ok' }],
      });
      // A Silent alarm per shard and location.
      expect([...byId.keys()].filter((id) => id.startsWith('Silent-60s-'))).toEqual(
        expect.arrayContaining(locations.map((l) => expect.stringMatching(new RegExp(`^Silent-60s-\\d+-${l}$`)))),
      );
    },
  );
});
