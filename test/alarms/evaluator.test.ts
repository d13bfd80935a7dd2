import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it, test } from 'vitest';
import defaultConfigJson from '../../config/default.json';
import { parseConfig } from '../../contracts/config';
import { Dimension, MetricName } from '../../contracts/metrics';
import { AlarmEvaluator, AlarmState, evaluateAll, MetricStore } from '../../lib/alarms/evaluator';
import type { AlarmDefinition, Statistic, TreatMissingData } from '../../lib/alarms/definitions';
import { alarmDefinitions } from '../../lib/alarms/definitions';
import { MonitorStack } from '../../lib/monitor-stack';

const MIN = 60_000;
/** A minute boundary well inside the epoch, so period alignment is exercised. */
const T0 = Date.UTC(2026, 10, 28, 2, 0, 0);

function definition(over: Partial<AlarmDefinition> & { statistic?: Statistic; periodSeconds?: number; dimensions?: Record<string, string> }): AlarmDefinition {
  const { statistic = 'Maximum', periodSeconds = 60, dimensions = { Check: 'c' }, ...rest } = over;
  return {
    kind: 'Failing',
    check: 'c',
    id: 'c-Failing',
    metric: { namespace: 'Test', metricName: 'M', dimensions, statistic, periodSeconds },
    comparisonOperator: 'GreaterThanThreshold',
    threshold: 3,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: 'missing',
    description: 'test alarm',
    ...rest,
  };
}

const datum = (value: number, atMs: number, dims: Record<string, string> = { Check: 'c' }, name = 'M'): MetricDatum => ({
  MetricName: name,
  Value: value,
  Timestamp: new Date(atMs),
  Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
});

describe('AlarmEvaluator against the CloudWatch User Guide tables', () => {
  // "How alarm state is evaluated when data is missing", CloudWatch User Guide
  // (awsdocs/amazon-cloudwatch-user-guide, doc_source/AlarmThatSendsEmail.md @ 05fd32f6), rows verbatim:
  // 0 is a non-breaching data point, X a breaching one, - a missing one; oldest first, the 5 most
  // recent data points retrieved. Period 5 minutes.
  const STATE: Record<string, AlarmState> = { OK: 'OK', ALARM: 'ALARM', 'Insufficient data': 'INSUFFICIENT_DATA' };
  const TREATMENTS: readonly TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

  function runRow(pattern: string, m: number, treat: TreatMissingData, initial: AlarmState): AlarmState {
    const periodMs = 5 * MIN;
    const now = T0 + 10 * periodMs;
    const store = new MetricStore();
    pattern.split(' ').forEach((cell, i) => {
      // Cell i of 5 is the period starting (5 - i) periods before `now`; mid-period timestamps.
      const at = now - (5 - i) * periodMs + 90_000;
      if (cell === 'X') store.put('Test', [datum(5, at)]);
      else if (cell === '0') store.put('Test', [datum(1, at)]);
    });
    const evaluator = new AlarmEvaluator(definition({ periodSeconds: 300, datapointsToAlarm: m, treatMissingData: treat }));
    evaluator.state = initial;
    evaluator.evaluate(store, now);
    return evaluator.state;
  }

  function check(pattern: string, m: number, expected: readonly string[]) {
    TREATMENTS.forEach((treat, col) => {
      for (const initial of Object.values(AlarmState)) {
        const want = expected[col] === 'Retain current state' ? initial : STATE[expected[col]!];
        expect(runRow(pattern, m, treat, initial), `${pattern} treat=${treat} from ${initial}`).toBe(want);
      }
    });
  }

  // Datapoints to Alarm = Evaluation Periods = 3.
  test.each([
    // Data points | # of missing data points | MISSING | IGNORE | BREACHING | NOT BREACHING
    ['0 - X - X', 2, 'OK', 'OK', 'OK', 'OK'],
    ['0 - - - -', 4, 'OK', 'OK', 'OK', 'OK'],
    ['- - - - -', 5, 'Insufficient data', 'Retain current state', 'ALARM', 'OK'],
    ['0 X X - X', 1, 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['- - - - X', 4, 'Insufficient data', 'Retain current state', 'ALARM', 'OK'],
    ['X - - - -', 4, 'ALARM', 'Retain current state', 'ALARM', 'OK'],
  ] as const)('3 out of 3: %s (%i missing) → MISSING %s, IGNORE %s, BREACHING %s, NOT BREACHING %s', (pattern, missing, ifMissing, ifIgnore, ifBreaching, ifNotBreaching) => {
    expect(pattern.split(' ').filter((c) => c === '-')).toHaveLength(missing);
    check(pattern, 3, [ifMissing, ifIgnore, ifBreaching, ifNotBreaching]);
  });

  // Datapoints to Alarm 2, Evaluation Periods 3: a 2 out of 3 alarm.
  test.each([
    // Data points | # of missing data points | MISSING | IGNORE | BREACHING | NOT BREACHING
    ['0 - X - X', 2, 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 0 X 0 X', 0, 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 - X - -', 3, 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - 0', 4, 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - X', 4, 'Insufficient data', 'Retain current state', 'ALARM', 'OK'],
  ] as const)('2 out of 3: %s (%i missing) → MISSING %s, IGNORE %s, BREACHING %s, NOT BREACHING %s', (pattern, missing, ifMissing, ifIgnore, ifBreaching, ifNotBreaching) => {
    expect(pattern.split(' ').filter((c) => c === '-')).toHaveLength(missing);
    check(pattern, 2, [ifMissing, ifIgnore, ifBreaching, ifNotBreaching]);
  });

  it('fires on a single old breaching datapoint with missing treatment only once it is M periods old (knowledge-center case)', () => {
    // 2 of 3, only one breaching datapoint, the rest missing: ALARM once that datapoint is >= 2 periods old.
    const d = definition({ datapointsToAlarm: 2 });
    const store = new MetricStore();
    store.put('Test', [datum(5, T0 + 1_000)]);
    const e = new AlarmEvaluator(d);
    e.evaluate(store, T0 + MIN);
    expect(e.state).toBe('INSUFFICIENT_DATA');
    e.evaluate(store, T0 + 2 * MIN);
    expect(e.state).toBe('ALARM');
  });
});

describe('AlarmEvaluator edge cases', () => {
  const config = parseConfig({
    checks: [
      { name: 'chat-websocket', kind: 'websocket', url: 'wss://example.test/ws/chat/', origin: 'https://indexo.ir' },
      { name: 'buyer-orders', kind: 'http', url: 'https://example.test/api/' },
    ],
  });
  const defs = alarmDefinitions(config);
  const def = (id: string) => defs.find((d) => d.id === id)!;
  const ns = config.namespace;
  const success = (check: string, ok: boolean, at: number): MetricDatum => datum(ok ? 1 : 0, at, { [Dimension.CHECK]: check }, MetricName.SUCCESS);
  const failure = (check: string, reason: string, at: number): MetricDatum =>
    datum(1, at, { [Dimension.CHECK]: check, [Dimension.REASON]: reason }, MetricName.FAILURES);

  it('goes OK on the first evaluation with no data when missing data is not breaching (sparse Failures metric)', () => {
    const e = new AlarmEvaluator(def('chat-websocket-Refused'));
    const t = e.evaluate(new MetricStore(), T0 + MIN);
    expect(t).toMatchObject({ alarm: 'chat-websocket-Refused', kind: 'Refused', check: 'chat-websocket', from: 'INSUFFICIENT_DATA', to: 'OK', atMs: T0 + MIN });
    expect(t!.reason).toContain('no datapoints');
  });

  it('fires Refused on one confirmed datapoint and stays in ALARM until the datapoint leaves the evaluation range', () => {
    const e = new AlarmEvaluator(def('chat-websocket-Refused'));
    const store = new MetricStore();
    e.evaluate(store, T0 + MIN);
    store.put(ns, [failure('chat-websocket', 'refused', T0 + MIN + 5_000)]);
    const alarm = e.evaluate(store, T0 + 2 * MIN);
    expect(alarm).toMatchObject({ from: 'OK', to: 'ALARM', atMs: T0 + 2 * MIN });
    expect(alarm!.reason).toMatch(/1 of the last 1 datapoints \[1 \(02:01\)\] breached Sum >= 1/);
    // 1 of 1 with a range of 3 periods: CloudWatch re-evaluates the last real datapoint while it is in range.
    expect(e.evaluate(store, T0 + 3 * MIN)).toBeUndefined();
    expect(e.evaluate(store, T0 + 4 * MIN)).toBeUndefined();
    expect(e.state).toBe('ALARM');
    expect(e.evaluate(store, T0 + 5 * MIN)).toMatchObject({ from: 'ALARM', to: 'OK' });
    expect(e.transitions.map((t) => t.to)).toEqual(['OK', 'ALARM', 'OK']);
  });

  it('matches the exact dimension set: another Reason or a Check-only datum does not count', () => {
    const e = new AlarmEvaluator(def('chat-websocket-Forbidden'));
    const store = new MetricStore();
    store.put(ns, [
      failure('chat-websocket', 'refused', T0 + 1_000),
      failure('buyer-orders', 'forbidden', T0 + 1_000),
      datum(1, T0 + 1_000, { [Dimension.CHECK]: 'chat-websocket' }, MetricName.FAILURES),
      datum(1, T0 + 1_000, { [Dimension.CHECK]: 'chat-websocket', [Dimension.REASON]: 'forbidden' }, 'Failure'),
    ]);
    store.put('OtherNamespace', [failure('chat-websocket', 'forbidden', T0 + 1_000)]);
    e.evaluate(store, T0 + MIN);
    expect(e.state).toBe('OK');
    // Dimension order does not matter for identity.
    store.put(ns, [{ MetricName: 'Failures', Value: 1, Timestamp: new Date(T0 + 2_000), Dimensions: [{ Name: 'Reason', Value: 'forbidden' }, { Name: 'Check', Value: 'chat-websocket' }] }]);
    e.evaluate(store, T0 + MIN);
    expect(e.state).toBe('ALARM');
  });

  it('fires Silent with missing data breaching only after the last Success datapoint left the range', () => {
    const e = new AlarmEvaluator(def('buyer-orders-Silent'));
    expect(e.evaluationRangePeriods).toBe(5);
    const store = new MetricStore();
    for (let i = 0; i < 4; i++) store.put(ns, [success('buyer-orders', i !== 2, T0 + i * MIN + 3_000)]);
    // A failed run still reports Success = 0: SampleCount 1, not silent.
    for (let i = 1; i <= 4; i++) e.evaluate(store, T0 + i * MIN);
    expect(e.transitions.map((t) => t.to)).toEqual(['OK']);
    // The probe stops after minute 4: 3 of 3 with breaching fill needs every real datapoint gone.
    const states: string[] = [];
    for (let i = 5; i <= 9; i++) {
      e.evaluate(store, T0 + i * MIN);
      states.push(e.state);
    }
    expect(states).toEqual(['OK', 'OK', 'OK', 'OK', 'ALARM']);
    expect(e.transitions.at(-1)!.reason).toContain('missing data treated as breaching');
  });

  it('fires Failing (Success Average < 1, 2 of 3) on the second failed minute and recovers after two good ones', () => {
    const e = new AlarmEvaluator(def('chat-websocket-Failing'));
    const store = new MetricStore();
    const runs = [true, true, false, false, true, true];
    const states = runs.map((ok, i) => {
      store.put(ns, [success('chat-websocket', ok, T0 + i * MIN + 1_000)]);
      e.evaluate(store, T0 + (i + 1) * MIN);
      return e.state;
    });
    expect(states).toEqual(['OK', 'OK', 'OK', 'ALARM', 'ALARM', 'OK']);
  });

  it("keeps the current state with 'ignore' when no data arrives", () => {
    const e = new AlarmEvaluator(definition({ treatMissingData: 'ignore', evaluationPeriods: 1, datapointsToAlarm: 1 }));
    const store = new MetricStore();
    expect(e.evaluate(store, T0 + MIN)).toBeUndefined();
    expect(e.state).toBe('INSUFFICIENT_DATA');
    store.put('Test', [datum(9, T0 + MIN + 1)]);
    expect(e.evaluate(store, T0 + 2 * MIN)).toMatchObject({ to: 'ALARM' });
    for (let i = 3; i < 10; i++) expect(e.evaluate(store, T0 + i * MIN)).toBeUndefined();
    expect(e.state).toBe('ALARM');
    expect(e.stateReason).toContain('Unchanged');
  });

  it("goes to INSUFFICIENT_DATA with 'missing' when every datapoint in the range is missing", () => {
    const e = new AlarmEvaluator(definition({ treatMissingData: 'missing' }));
    e.state = 'OK';
    expect(e.evaluate(new MetricStore(), T0 + MIN)).toMatchObject({ from: 'OK', to: 'INSUFFICIENT_DATA' });
  });

  test.each([
    ['Sum', 12],
    ['Average', 3],
    ['Minimum', 0],
    ['Maximum', 6],
    ['SampleCount', 4],
  ] as const)('aggregates datums of one period with %s = %d', (stat, expected) => {
    const store = new MetricStore();
    store.put('Test', [datum(1, T0 + 1_000), datum(5, T0 + 59_999)]);
    // A StatisticValues set (one sample of 6) and Values/Counts ([0] once: counted, drags the mean).
    store.put('Test', [
      { MetricName: 'M', Dimensions: [{ Name: 'Check', Value: 'c' }], Timestamp: new Date(T0 + 30_000), StatisticValues: { SampleCount: 1, Sum: 6, Minimum: 6, Maximum: 6 } },
      { MetricName: 'M', Dimensions: [{ Name: 'Check', Value: 'c' }], Timestamp: new Date(T0 + 30_000), Values: [0], Counts: [1] },
    ]);
    store.put('Test', [datum(100, T0 + MIN)]); // next period: not in this one
    const d = definition({ statistic: stat });
    const values = store.periodValues(d.metric, { fromMs: T0, toMs: T0 + MIN, nowMs: T0 + MIN });
    expect(values).toEqual([{ startMs: T0, value: expected }]);
  });

  it('aggregates Values with Counts as repeated samples', () => {
    const store = new MetricStore();
    store.put('Test', [{ MetricName: 'M', Dimensions: [{ Name: 'Check', Value: 'c' }], Timestamp: new Date(T0), Values: [2, 10], Counts: [3, 1] }]);
    const avg = store.periodValues(definition({ statistic: 'Average' }).metric, { fromMs: T0, toMs: T0 + MIN, nowMs: T0 + MIN });
    const count = store.periodValues(definition({ statistic: 'SampleCount' }).metric, { fromMs: T0, toMs: T0 + MIN, nowMs: T0 + MIN });
    expect(avg[0]!.value).toBe(4);
    expect(count[0]!.value).toBe(4);
  });

  it('does not see a datapoint before its ingestion delay has passed', () => {
    const e = new AlarmEvaluator(def('buyer-orders-Forbidden'));
    const store = new MetricStore();
    store.put(ns, [failure('buyer-orders', 'forbidden', T0 + 50_000)], { visibleAtMs: T0 + MIN + 30_000 });
    expect(e.evaluate(store, T0 + MIN)).toMatchObject({ to: 'OK' });
    expect(e.evaluate(store, T0 + MIN + 29_999)).toBeUndefined();
    expect(e.evaluate(store, T0 + MIN + 30_000)).toMatchObject({ from: 'OK', to: 'ALARM', atMs: T0 + MIN + 30_000 });
  });

  it('ignores the period still in progress', () => {
    const e = new AlarmEvaluator(def('buyer-orders-Refused'));
    const store = new MetricStore();
    store.put(ns, [failure('buyer-orders', 'refused', T0 + MIN + 1_000)]);
    e.evaluate(store, T0 + MIN + 59_000);
    expect(e.state).toBe('OK');
    e.evaluate(store, T0 + 2 * MIN);
    expect(e.state).toBe('ALARM');
  });

  test.each([
    ['GreaterThanOrEqualToThreshold', 3, true],
    ['GreaterThanOrEqualToThreshold', 2.9, false],
    ['GreaterThanThreshold', 3, false],
    ['GreaterThanThreshold', 3.1, true],
    ['LessThanThreshold', 3, false],
    ['LessThanThreshold', 2.9, true],
    ['LessThanOrEqualToThreshold', 3, true],
    ['LessThanOrEqualToThreshold', 3.1, false],
  ] as const)('compares with %s: %d against threshold 3 breaches = %s', (op, value, breaches) => {
    const e = new AlarmEvaluator(definition({ comparisonOperator: op, evaluationPeriods: 1, datapointsToAlarm: 1 }));
    const store = new MetricStore();
    store.put('Test', [datum(value, T0)]);
    e.evaluate(store, T0 + MIN);
    expect(e.state).toBe(breaches ? 'ALARM' : 'OK');
  });

  it('uses a datum without Timestamp at its receipt time and rejects invalid datums', () => {
    const store = new MetricStore();
    store.put('Test', [{ MetricName: 'M', Value: 7, Dimensions: [{ Name: 'Check', Value: 'c' }] }], { visibleAtMs: T0 + 10 });
    expect(store.periodValues(definition({}).metric, { fromMs: T0, toMs: T0 + MIN, nowMs: T0 + MIN })[0]!.value).toBe(7);
    expect(() => store.put('Test', [{ MetricName: 'M', Value: 1 }])).toThrow(/Timestamp/);
    expect(() => store.put('Test', [{ MetricName: 'M', Value: Number.NaN, Timestamp: new Date(T0) }])).toThrow(/finite/);
    expect(() => store.put('Test', [{ Value: 1, Timestamp: new Date(T0) } as MetricDatum])).toThrow(/MetricName/);
  });

  it('rejects datapointsToAlarm above evaluationPeriods, naming both', () => {
    expect(() => new AlarmEvaluator(definition({ datapointsToAlarm: 4, evaluationPeriods: 3 }))).toThrow('c-Failing: datapointsToAlarm (4) must be between 1 and evaluationPeriods (3)');
    expect(() => new AlarmEvaluator(definition({}), { evaluationRangePeriods: 2 })).toThrow(/evaluationRangePeriods \(2\)/);
  });

  it('evaluateAll returns the transitions of every evaluator in order', () => {
    const evaluators = defs.map((d) => new AlarmEvaluator(d));
    const store = new MetricStore();
    store.put(ns, [success('chat-websocket', true, T0), success('buyer-orders', true, T0)]);
    const first = evaluateAll(evaluators, store, T0 + MIN);
    expect(first.map((t) => `${t.alarm}:${t.to}`)).toEqual(defs.map((d) => `${d.id}:OK`));
    expect(evaluateAll(evaluators, store, T0 + MIN)).toEqual([]);
  });
});

describe('evaluators and the deployed alarms', () => {
  it('evaluates exactly the alarms the CDK construct synthesizes from alarmDefinitions(config)', () => {
    const config = parseConfig(defaultConfigJson);
    // Bundling skipped: only the alarms are compared, not the function code.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new MonitorStack(app, 'EvalCompare', { config });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map(
      (r) => (r as { Properties: Record<string, unknown> }).Properties,
    );
    const evaluators = alarmDefinitions(config).map((d) => new AlarmEvaluator(d));
    expect(alarms).toHaveLength(evaluators.length);
    const byName = (dims: unknown) => [...(dims as Array<{ Name: string; Value: string }>)].sort((a, b) => a.Name.localeCompare(b.Name));
    for (const { definition: d } of evaluators) {
      const deployed = alarms.find((a) => a.AlarmName === `EvalCompare-${d.id}`);
      if (!deployed) throw new Error(`no deployed alarm named EvalCompare-${d.id}`);
      expect({ ...deployed, Dimensions: byName(deployed.Dimensions) }).toMatchObject({
        Namespace: d.metric.namespace,
        MetricName: d.metric.metricName,
        Dimensions: byName(Object.entries(d.metric.dimensions).map(([Name, Value]) => ({ Name, Value }))),
        Statistic: d.metric.statistic,
        Period: d.metric.periodSeconds,
        ComparisonOperator: d.comparisonOperator,
        Threshold: d.threshold,
        EvaluationPeriods: d.evaluationPeriods,
        DatapointsToAlarm: d.datapointsToAlarm,
        TreatMissingData: d.treatMissingData,
        AlarmDescription: d.description,
      });
    }
  });
});
