import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it, test } from 'vitest';
import { Dimension, MetricName } from '../../contracts/metrics';
import {
  AlarmEvaluator,
  AlarmState,
  evaluateAll,
  evaluateBetween,
  InvalidAlarmDefinitionError,
  MetricStore,
  type AlarmTransition,
} from '../../lib/alarms/evaluator';
import type { MathAlarmDefinition, MetricAlarmDefinition, TreatMissingData } from '../../lib/alarms/model';
import { datum, insightsAlarm, metricAlarm, MIN, NS, SEC, T0 } from './helpers';

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
    const evaluator = new AlarmEvaluator(metricAlarm({ metric: { periodSeconds: 300 }, datapointsToAlarm: m, treatMissingData: treat }));
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
  ] as const)(
    '3 out of 3: %s (%i missing) → MISSING %s, IGNORE %s, BREACHING %s, NOT BREACHING %s',
    (pattern, missing, ifMissing, ifIgnore, ifBreaching, ifNotBreaching) => {
      expect(pattern.split(' ').filter((c) => c === '-')).toHaveLength(missing);
      check(pattern, 3, [ifMissing, ifIgnore, ifBreaching, ifNotBreaching]);
    },
  );

  // Datapoints to Alarm 2, Evaluation Periods 3: a 2 out of 3 alarm.
  test.each([
    // Data points | # of missing data points | MISSING | IGNORE | BREACHING | NOT BREACHING
    ['0 - X - X', 2, 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 0 X 0 X', 0, 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 - X - -', 3, 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - 0', 4, 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - X', 4, 'Insufficient data', 'Retain current state', 'ALARM', 'OK'],
  ] as const)(
    '2 out of 3: %s (%i missing) → MISSING %s, IGNORE %s, BREACHING %s, NOT BREACHING %s',
    (pattern, missing, ifMissing, ifIgnore, ifBreaching, ifNotBreaching) => {
      expect(pattern.split(' ').filter((c) => c === '-')).toHaveLength(missing);
      check(pattern, 2, [ifMissing, ifIgnore, ifBreaching, ifNotBreaching]);
    },
  );

  it('fires on a single old breaching datapoint with missing treatment only once it is M periods old (knowledge-center case)', () => {
    // 2 of 3, only one breaching datapoint, the rest missing: ALARM once that datapoint is >= 2 periods old.
    const store = new MetricStore();
    store.put('Test', [datum(5, T0 + 1_000)]);
    const e = new AlarmEvaluator(metricAlarm({ datapointsToAlarm: 2 }));
    e.evaluate(store, T0 + MIN);
    expect(e.state).toBe('INSUFFICIENT_DATA');
    e.evaluate(store, T0 + 2 * MIN);
    expect(e.state).toBe('ALARM');
  });
});

/** The per-check single-metric alarms the monitor deployed before the fleet design: still valid CloudWatch alarms. */
function perCheckAlarm(check: string, cls: 'Refused' | 'Forbidden' | 'Failing' | 'Silent'): MetricAlarmDefinition {
  const base = { class: cls, check, id: `${check}-${cls}`, description: `${cls} of ${check}` } as const;
  const metric = (metricName: string, statistic: 'Sum' | 'Average' | 'SampleCount', dimensions: Record<string, string>) => ({
    namespace: NS,
    metricName,
    dimensions,
    statistic,
    periodSeconds: 60,
  });
  switch (cls) {
    case 'Refused':
    case 'Forbidden':
      return metricAlarm({
        ...base,
        metric: metric(MetricName.FAILURES, 'Sum', { [Dimension.CHECK]: check, [Dimension.REASON]: cls.toLowerCase() }),
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
      });
    case 'Failing':
      return metricAlarm({
        ...base,
        metric: metric(MetricName.SUCCESS, 'Average', { [Dimension.CHECK]: check }),
        comparisonOperator: 'LessThanThreshold',
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: 'notBreaching',
      });
    case 'Silent':
      return metricAlarm({
        ...base,
        metric: metric(MetricName.SUCCESS, 'SampleCount', { [Dimension.CHECK]: check }),
        comparisonOperator: 'LessThanThreshold',
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: 'breaching',
      });
  }
}

describe('AlarmEvaluator edge cases', () => {
  const success = (check: string, ok: boolean, at: number): MetricDatum =>
    datum(ok ? 1 : 0, at, { dims: { [Dimension.CHECK]: check }, name: MetricName.SUCCESS });
  const failure = (check: string, reason: string, at: number): MetricDatum =>
    datum(1, at, { dims: { [Dimension.CHECK]: check, [Dimension.REASON]: reason }, name: MetricName.FAILURES });

  it('goes OK on the first evaluation with no data when missing data is not breaching (sparse Failures metric)', () => {
    const e = new AlarmEvaluator(perCheckAlarm('chat-websocket', 'Refused'));
    const [t, ...more] = e.evaluate(new MetricStore(), T0 + MIN);
    expect(more).toEqual([]);
    expect(t).toMatchObject({
      alarm: 'chat-websocket-Refused',
      class: 'Refused',
      check: 'chat-websocket',
      from: 'INSUFFICIENT_DATA',
      to: 'OK',
      atMs: T0 + MIN,
    });
    expect(t).not.toHaveProperty('contributor');
    expect(t!.reason).toContain('no datapoints');
  });

  it('fires Refused on one confirmed datapoint and stays in ALARM until the datapoint leaves the evaluation range', () => {
    const e = new AlarmEvaluator(perCheckAlarm('chat-websocket', 'Refused'));
    const store = new MetricStore();
    e.evaluate(store, T0 + MIN);
    store.put(NS, [failure('chat-websocket', 'refused', T0 + MIN + 5_000)]);
    const [alarm] = e.evaluate(store, T0 + 2 * MIN);
    expect(alarm).toMatchObject({ from: 'OK', to: 'ALARM', atMs: T0 + 2 * MIN });
    expect(alarm!.reason).toMatch(/1 of the last 1 datapoints \[1 \(02:01\)\] breached Sum >= 1/);
    // 1 of 1 with a range of 3 periods: CloudWatch re-evaluates the last real datapoint while it is in range.
    expect(e.evaluate(store, T0 + 3 * MIN)).toEqual([]);
    expect(e.evaluate(store, T0 + 4 * MIN)).toEqual([]);
    expect(e.state).toBe('ALARM');
    expect(e.evaluate(store, T0 + 5 * MIN)).toMatchObject([{ from: 'ALARM', to: 'OK' }]);
    expect(e.transitions.map((t) => t.to)).toEqual(['OK', 'ALARM', 'OK']);
  });

  it('matches the exact dimension set: another Reason or a Check-only datum does not count', () => {
    const e = new AlarmEvaluator(perCheckAlarm('chat-websocket', 'Forbidden'));
    const store = new MetricStore();
    store.put(NS, [
      failure('chat-websocket', 'refused', T0 + 1_000),
      failure('buyer-orders', 'forbidden', T0 + 1_000),
      datum(1, T0 + 1_000, { dims: { [Dimension.CHECK]: 'chat-websocket' }, name: MetricName.FAILURES }),
      datum(1, T0 + 1_000, { dims: { [Dimension.CHECK]: 'chat-websocket', [Dimension.REASON]: 'forbidden' }, name: 'Failure' }),
      // The Interval copy has one dimension more: another metric.
      datum(1, T0 + 1_000, {
        dims: { [Dimension.CHECK]: 'chat-websocket', [Dimension.INTERVAL]: '60', [Dimension.REASON]: 'forbidden' },
        name: MetricName.FAILURES,
      }),
    ]);
    store.put('OtherNamespace', [failure('chat-websocket', 'forbidden', T0 + 1_000)]);
    e.evaluate(store, T0 + MIN);
    expect(e.state).toBe('OK');
    // Dimension order does not matter for identity.
    store.put(NS, [
      {
        MetricName: 'Failures',
        Value: 1,
        Timestamp: new Date(T0 + 2_000),
        Dimensions: [
          { Name: 'Reason', Value: 'forbidden' },
          { Name: 'Check', Value: 'chat-websocket' },
        ],
      },
    ]);
    e.evaluate(store, T0 + MIN);
    expect(e.state).toBe('ALARM');
  });

  it('fires Silent with missing data breaching only after the last Success datapoint left the range', () => {
    const e = new AlarmEvaluator(perCheckAlarm('buyer-orders', 'Silent'));
    expect(e.evaluationRangePeriods).toBe(5);
    const store = new MetricStore();
    for (let i = 0; i < 4; i++) store.put(NS, [success('buyer-orders', i !== 2, T0 + i * MIN + 3_000)]);
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
    const e = new AlarmEvaluator(perCheckAlarm('chat-websocket', 'Failing'));
    const store = new MetricStore();
    const runs = [true, true, false, false, true, true];
    const states = runs.map((ok, i) => {
      store.put(NS, [success('chat-websocket', ok, T0 + i * MIN + 1_000)]);
      e.evaluate(store, T0 + (i + 1) * MIN);
      return e.state;
    });
    expect(states).toEqual(['OK', 'OK', 'OK', 'ALARM', 'ALARM', 'OK']);
  });

  it("keeps the current state with 'ignore' when no data arrives", () => {
    const e = new AlarmEvaluator(metricAlarm({ treatMissingData: 'ignore', evaluationPeriods: 1, datapointsToAlarm: 1 }));
    const store = new MetricStore();
    expect(e.evaluate(store, T0 + MIN)).toEqual([]);
    expect(e.state).toBe('INSUFFICIENT_DATA');
    store.put('Test', [datum(9, T0 + MIN + 1)]);
    expect(e.evaluate(store, T0 + 2 * MIN)).toMatchObject([{ to: 'ALARM' }]);
    for (let i = 3; i < 10; i++) expect(e.evaluate(store, T0 + i * MIN)).toEqual([]);
    expect(e.state).toBe('ALARM');
    expect(e.stateReason).toContain('Unchanged');
  });

  it("goes to INSUFFICIENT_DATA with 'missing' when every datapoint in the range is missing", () => {
    const e = new AlarmEvaluator(metricAlarm({ treatMissingData: 'missing' }));
    e.state = 'OK';
    expect(e.evaluate(new MetricStore(), T0 + MIN)).toMatchObject([{ from: 'OK', to: 'INSUFFICIENT_DATA' }]);
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
      {
        MetricName: 'M',
        Dimensions: [{ Name: 'Check', Value: 'c' }],
        Timestamp: new Date(T0 + 30_000),
        StatisticValues: { SampleCount: 1, Sum: 6, Minimum: 6, Maximum: 6 },
      },
      { MetricName: 'M', Dimensions: [{ Name: 'Check', Value: 'c' }], Timestamp: new Date(T0 + 30_000), Values: [0], Counts: [1] },
    ]);
    store.put('Test', [datum(100, T0 + MIN)]); // next period: not in this one
    const d = metricAlarm({ metric: { statistic: stat } });
    const values = store.periodValues(d.metric, { fromMs: T0, toMs: T0 + MIN, nowMs: T0 + MIN });
    expect(values).toEqual([{ startMs: T0, value: expected }]);
  });

  it('aggregates Values with Counts as repeated samples', () => {
    const store = new MetricStore();
    store.put('Test', [{ MetricName: 'M', Dimensions: [{ Name: 'Check', Value: 'c' }], Timestamp: new Date(T0), Values: [2, 10], Counts: [3, 1] }]);
    const avg = store.periodValues(metricAlarm({ metric: { statistic: 'Average' } }).metric, { fromMs: T0, toMs: T0 + MIN, nowMs: T0 + MIN });
    const count = store.periodValues(metricAlarm({ metric: { statistic: 'SampleCount' } }).metric, { fromMs: T0, toMs: T0 + MIN, nowMs: T0 + MIN });
    expect(avg[0]!.value).toBe(4);
    expect(count[0]!.value).toBe(4);
  });

  it('does not see a datapoint before its ingestion delay has passed', () => {
    const e = new AlarmEvaluator(perCheckAlarm('buyer-orders', 'Forbidden'));
    const store = new MetricStore();
    store.put(NS, [failure('buyer-orders', 'forbidden', T0 + 50_000)], { visibleAtMs: T0 + MIN + 30_000 });
    expect(e.evaluate(store, T0 + MIN)).toMatchObject([{ to: 'OK' }]);
    expect(e.evaluate(store, T0 + MIN + 29_999)).toEqual([]);
    expect(e.evaluate(store, T0 + MIN + 30_000)).toMatchObject([{ from: 'OK', to: 'ALARM', atMs: T0 + MIN + 30_000 }]);
  });

  it('ignores the period still in progress', () => {
    const e = new AlarmEvaluator(perCheckAlarm('buyer-orders', 'Refused'));
    const store = new MetricStore();
    store.put(NS, [failure('buyer-orders', 'refused', T0 + MIN + 1_000)]);
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
    const e = new AlarmEvaluator(metricAlarm({ comparisonOperator: op, evaluationPeriods: 1, datapointsToAlarm: 1 }));
    const store = new MetricStore();
    store.put('Test', [datum(value, T0)]);
    e.evaluate(store, T0 + MIN);
    expect(e.state).toBe(breaches ? 'ALARM' : 'OK');
  });

  it('uses a datum without Timestamp at its receipt time and rejects invalid datums', () => {
    const store = new MetricStore();
    store.put('Test', [{ MetricName: 'M', Value: 7, Dimensions: [{ Name: 'Check', Value: 'c' }] }], { visibleAtMs: T0 + 10 });
    expect(store.periodValues(metricAlarm().metric, { fromMs: T0, toMs: T0 + MIN, nowMs: T0 + MIN })[0]!.value).toBe(7);
    expect(() => store.put('Test', [{ MetricName: 'M', Value: 1 }])).toThrow(/Timestamp/);
    expect(() => store.put('Test', [{ MetricName: 'M', Value: Number.NaN, Timestamp: new Date(T0) }])).toThrow(/finite/);
    expect(() => store.put('Test', [{ Value: 1, Timestamp: new Date(T0) } as MetricDatum])).toThrow(/MetricName/);
    expect(() => store.put('Test', [{ MetricName: 'M', Value: 1, Timestamp: new Date(T0), StorageResolution: 10 }])).toThrow(
      'StorageResolution must be 1 or 60, got 10',
    );
  });

  it('rejects datapointsToAlarm above evaluationPeriods, naming both', () => {
    expect(() => new AlarmEvaluator(metricAlarm({ datapointsToAlarm: 4, evaluationPeriods: 3 }))).toThrow(
      'c-Failing: datapointsToAlarm (4) must be between 1 and evaluationPeriods (3)',
    );
    expect(() => new AlarmEvaluator(metricAlarm(), { evaluationRangePeriods: 2 })).toThrow(/evaluationRangePeriods \(2\)/);
  });

  it('reports every problem of a definition at once, with a stable code', () => {
    let error: unknown;
    try {
      new AlarmEvaluator(metricAlarm({ metric: { periodSeconds: 45 }, datapointsToAlarm: 0, warmUpMinutes: 3000 }), { evaluationOffsetMs: 10_000 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidAlarmDefinitionError);
    expect(error).toMatchObject({
      code: 'invalid_alarm_definition',
      alarm: 'c-Failing',
      problems: [
        'datapointsToAlarm (0) must be between 1 and evaluationPeriods (3)',
        'warmUpMinutes must be a whole number from 1 to 2,880 (WarmUpPeriodDurationInMinutes), got 3000',
        'metric.periodSeconds must be 10, 20, 30 or a multiple of 60, got 45',
        'evaluationOffsetMs must be from 0 to below 10000, got 10000',
      ],
    });
  });

  test.each([
    [10, 8_641, 'periodSeconds × evaluationPeriods (10 × 8641) must not exceed 86400 s'],
    [3600, 169, 'periodSeconds × evaluationPeriods (3600 × 169) must not exceed 604800 s'],
  ])('rejects a %i s period over %i periods (PutMetricAlarm total evaluation limit)', (periodSeconds, evaluationPeriods, message) => {
    expect(() => new AlarmEvaluator(metricAlarm({ metric: { periodSeconds }, evaluationPeriods, datapointsToAlarm: 1 }))).toThrow(message);
  });

  it('evaluateAll returns the transitions of every due evaluator in order', () => {
    const defs = [perCheckAlarm('chat-websocket', 'Failing'), perCheckAlarm('chat-websocket', 'Silent'), perCheckAlarm('buyer-orders', 'Failing')];
    const evaluators = defs.map((d) => new AlarmEvaluator(d));
    const store = new MetricStore();
    store.put(NS, [success('chat-websocket', true, T0), success('buyer-orders', true, T0)]);
    const first = evaluateAll(evaluators, store, T0 + MIN);
    expect(first.map((t) => `${t.alarm}:${t.to}`)).toEqual(defs.map((d) => `${d.id}:OK`));
    expect(evaluateAll(evaluators, store, T0 + MIN)).toEqual([]);
  });
});

describe('evaluation cadence and high-resolution alarms', () => {
  const fastAlarm = (over: Partial<MetricAlarmDefinition> = {}) =>
    metricAlarm({
      class: 'Failing',
      check: 'fast',
      id: 'fast-Failing-10s',
      metric: { namespace: NS, metricName: 'Success', dimensions: { Check: 'fast' }, statistic: 'Average', periodSeconds: 10 },
      comparisonOperator: 'LessThanOrEqualToThreshold',
      threshold: 0.5,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: 'notBreaching',
      ...over,
    });
  /** One tick of a 10 s check: Success stamped with the tick's scheduled time, high resolution. */
  const tick = (ok: boolean, atMs: number) => datum(ok ? 1 : 0, atMs, { name: 'Success', dims: { Check: 'fast' }, storageResolution: 1 });

  test.each([
    [10, 10_000],
    [20, 10_000],
    [30, 10_000],
    [60, 60_000],
    [300, 60_000],
  ])('evaluates a %i s period alarm every %i ms', (periodSeconds, interval) => {
    const e = new AlarmEvaluator(metricAlarm({ metric: { periodSeconds }, evaluationPeriods: 1, datapointsToAlarm: 1 }));
    expect(e.evaluationIntervalMs).toBe(interval);
    expect(e.evaluationTimes(T0 + 1, T0 + MIN)).toEqual(Array.from({ length: MIN / interval }, (_, i) => T0 + (i + 1) * interval));
  });

  it('evaluates at its own offset in the cadence and never before the alarm exists', () => {
    const e = new AlarmEvaluator(metricAlarm(), { evaluationOffsetMs: 17_000, createdAtMs: T0 + 2 * MIN });
    expect(e.evaluationTimes(T0, T0 + 4 * MIN)).toEqual([T0 + 2 * MIN + 17_000, T0 + 3 * MIN + 17_000]);
    expect(e.isDue(T0 + 17_000)).toBe(false);
    expect(e.isDue(T0 + 3 * MIN + 17_000)).toBe(true);
    expect(e.isDue(T0 + 3 * MIN)).toBe(false);
    expect(e.evaluate(new MetricStore(), T0 + MIN)).toEqual([]);
    expect(e.state).toBe('INSUFFICIENT_DATA');
  });

  it('evaluateAll evaluates only the alarms due at that time', () => {
    const fast = new AlarmEvaluator(fastAlarm());
    const slow = new AlarmEvaluator(perCheckAlarm('fast', 'Failing'));
    const store = new MetricStore();
    expect(evaluateAll([fast, slow], store, T0 + 10 * SEC).map((t) => t.alarm)).toEqual(['fast-Failing-10s']);
    expect(slow.state).toBe('INSUFFICIENT_DATA');
    expect(evaluateAll([fast, slow], store, T0 + MIN).map((t) => t.alarm)).toEqual(['fast-Failing']);
    expect(evaluateAll([fast, slow], store, T0 + MIN + 5 * SEC)).toEqual([]);
  });

  function firstAlarm(ingestionDelayMs: number): AlarmTransition | undefined {
    const e = new AlarmEvaluator(fastAlarm(), { createdAtMs: T0 - 5 * MIN });
    const store = new MetricStore();
    // Healthy ticks until T0, failing from the tick at T0 on; each visible after the run and the ingestion delay.
    for (let at = T0 - 5 * MIN; at < T0 + 2 * MIN; at += 10 * SEC)
      store.put(NS, [tick(at < T0, at)], { visibleAtMs: at + 2 * SEC + ingestionDelayMs });
    return evaluateBetween([e], store, T0 - 5 * MIN, T0 + 2 * MIN).find((t) => t.to === 'ALARM');
  }

  it('fires 2 of 3 at 10 s on the first complete period that holds the second bad datapoint (20 s after the first)', () => {
    const alarm = firstAlarm(1 * SEC);
    // Bad ticks at T0 and T0 + 10 s; the period [T0 + 10 s, T0 + 20 s) is complete at T0 + 20 s.
    expect(alarm).toMatchObject({ alarm: 'fast-Failing-10s', check: 'fast', from: 'OK', to: 'ALARM', atMs: T0 + 20 * SEC });
    expect(alarm!.reason).toMatch(/2 of the last 3 datapoints \[1 \(01:59:50\), 0 \(02:00:00\), 0 \(02:00:10\)\] breached Average <= 0.5/);
  });

  it('fires one 10 s evaluation later when ingestion takes 10 s (30 s after the first bad datapoint)', () => {
    expect(firstAlarm(10 * SEC)).toMatchObject({ to: 'ALARM', atMs: T0 + 30 * SEC });
  });

  it('counts only complete 10 s periods', () => {
    const e = new AlarmEvaluator(fastAlarm({ evaluationPeriods: 1, datapointsToAlarm: 1 }));
    const store = new MetricStore();
    store.put(NS, [tick(false, T0 + 20 * SEC)]);
    e.evaluate(store, T0 + 29_999);
    expect(e.state).toBe('OK');
    e.evaluate(store, T0 + 30 * SEC);
    expect(e.state).toBe('ALARM');
  });

  it('puts a standard-resolution datum in its minute, so a 10 s alarm sees it in one period of six', () => {
    const store = new MetricStore();
    const metric = fastAlarm().metric;
    const range = { fromMs: T0, toMs: T0 + MIN, nowMs: T0 + MIN };
    store.put(NS, [datum(0, T0 + 35 * SEC, { name: 'Success', dims: { Check: 'fast' } })]);
    expect(store.periodValues(metric, range).map((p) => p.value)).toEqual([0, undefined, undefined, undefined, undefined, undefined]);
    store.put(NS, [tick(true, T0 + 35 * SEC)]);
    expect(store.periodValues(metric, range).map((p) => p.value)).toEqual([0, undefined, undefined, 1, undefined, undefined]);
  });
});

describe('warm-up and the deploy-time notifications', () => {
  /** The Silent alarm of one runner shard at one location: its heartbeat stopped. */
  const silent = (shard: string, over: Partial<MetricAlarmDefinition> = {}) =>
    metricAlarm({
      class: 'Silent',
      id: `Silent-${shard}-eu-west-1`,
      check: undefined,
      shard,
      location: 'eu-west-1',
      metric: {
        namespace: NS,
        metricName: MetricName.SHARD_RESULTS,
        dimensions: { Shard: shard, Location: 'eu-west-1' },
        statistic: 'SampleCount',
        periodSeconds: 60,
      },
      comparisonOperator: 'LessThanThreshold',
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'breaching',
      ...over,
    });
  const heartbeat = (shard: string, atMs: number) =>
    datum(2, atMs, { name: MetricName.SHARD_RESULTS, dims: { Shard: shard, Location: 'eu-west-1' } });

  /**
   * A fresh deploy at T0: alarms and runners are created together; each shard's first heartbeat is
   * stamped at its first run (T0 + 1 min) and visible 5 s later; the fleet stays healthy for an hour.
   */
  function deploy(warmUpMinutes?: number): AlarmTransition[] {
    const w = warmUpMinutes === undefined ? {} : { warmUpMinutes };
    const defs = [
      silent('60s-0', w),
      silent('60s-1', w),
      insightsAlarm({ id: 'Refused-60s', ...w }),
      insightsAlarm({
        id: 'Failing-60s',
        class: 'Failing',
        select: { where: { Interval: '60' } },
        threshold: 2,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        ...w,
      }),
    ];
    const store = new MetricStore();
    for (let at = T0 + MIN; at < T0 + 60 * MIN; at += MIN)
      for (const shard of ['60s-0', '60s-1']) store.put(NS, [heartbeat(shard, at)], { visibleAtMs: at + 5 * SEC });
    const evaluators = defs.map((d) => new AlarmEvaluator(d, { createdAtMs: T0 }));
    return evaluateBetween(evaluators, store, T0, T0 + 60 * MIN);
  }
  const summary = (ts: readonly AlarmTransition[]) => ts.map((t) => `${t.alarm}:${t.from}→${t.to}@${(t.atMs - T0) / MIN}m`);

  it('without warm-up, pages every Silent alarm once before the first heartbeat, then sends OK for every alarm', () => {
    const ts = deploy();
    expect(summary(ts)).toEqual([
      'Silent-60s-0-eu-west-1:INSUFFICIENT_DATA→ALARM@0m',
      'Silent-60s-1-eu-west-1:INSUFFICIENT_DATA→ALARM@0m',
      'Refused-60s:INSUFFICIENT_DATA→OK@0m',
      'Failing-60s:INSUFFICIENT_DATA→OK@0m',
      'Silent-60s-0-eu-west-1:ALARM→OK@2m',
      'Silent-60s-1-eu-west-1:ALARM→OK@2m',
    ]);
    expect(ts.filter((t) => t.to === 'ALARM')).toHaveLength(2);
  });

  it('with warm-up, pages nothing: each alarm notifies once (OK) when warm-up ends, early once data fills the window', () => {
    const ts = deploy(10);
    // Silent: the heartbeats of minutes 1–3 fill its 3 periods at 4 min (warm-up ends early, default
    // OnlyStartEvaluatingAfterWarmUpPeriodEnds = false). The Insights alarms see no series while
    // healthy, so theirs runs the full 10 minutes. The OK after warm-up is an ordinary state change
    // and runs the OK actions: the docs skip actions only during warm-up.
    expect(summary(ts)).toEqual([
      'Silent-60s-0-eu-west-1:INSUFFICIENT_DATA→OK@4m',
      'Silent-60s-1-eu-west-1:INSUFFICIENT_DATA→OK@4m',
      'Refused-60s:INSUFFICIENT_DATA→OK@10m',
      'Failing-60s:INSUFFICIENT_DATA→OK@10m',
    ]);
    expect(ts.filter((t) => t.to === 'ALARM')).toEqual([]);
    expect(deploy().length - ts.length).toBe(2);
  });

  it('stays in INSUFFICIENT_DATA without transitions during warm-up, then evaluates normally and never warms up again', () => {
    const e = new AlarmEvaluator(silent('60s-0', { warmUpMinutes: 5 }), { createdAtMs: T0 });
    const store = new MetricStore();
    for (let i = 1; i < 5; i++) expect(e.evaluate(store, T0 + i * MIN)).toEqual([]);
    expect(e.state).toBe('INSUFFICIENT_DATA');
    expect(e.stateReason).toMatch(/^Warm-up: in INSUFFICIENT_DATA without actions until 02:05/);
    expect(e.transitions).toEqual([]);
    // Warm-up over at 5 min: the probe never started, so the Silent alarm pages.
    expect(e.evaluate(store, T0 + 5 * MIN)).toMatchObject([{ from: 'INSUFFICIENT_DATA', to: 'ALARM', atMs: T0 + 5 * MIN }]);
    expect(e.warmUpEndedAtMs).toBe(T0 + 5 * MIN);
    // The heartbeat starts; the alarm recovers and later stops again: no second warm-up.
    for (let i = 5; i < 8; i++) store.put(NS, [heartbeat('60s-0', T0 + i * MIN)]);
    expect(e.evaluate(store, T0 + 6 * MIN)).toMatchObject([{ from: 'ALARM', to: 'OK' }]);
    expect(e.evaluate(store, T0 + 14 * MIN)).toMatchObject([{ from: 'OK', to: 'ALARM' }]);
  });

  it('defaults the creation time to the first evaluation', () => {
    const e = new AlarmEvaluator(silent('60s-0', { warmUpMinutes: 2 }));
    expect(e.evaluate(new MetricStore(), T0 + MIN)).toEqual([]);
    expect(e.createdAtMs).toBe(T0 + MIN);
    expect(e.evaluate(new MetricStore(), T0 + 3 * MIN)).toMatchObject([{ to: 'ALARM' }]);
  });
});

describe('metric math alarms (a fast check on a quorum of locations)', () => {
  /** Failed runs of a 10 s period, all locations together: SampleCount − Sum of Success >= 2. */
  const failedRuns = (over: Partial<MathAlarmDefinition> = {}): MathAlarmDefinition => {
    const metric = { namespace: NS, metricName: 'Success', dimensions: { Check: 'fast' }, periodSeconds: 10 } as const;
    return {
      type: 'math',
      class: 'Failing',
      id: 'Failing-fast',
      check: 'fast',
      metrics: { runs: { ...metric, statistic: 'SampleCount' }, ok: { ...metric, statistic: 'Sum' } },
      expression: 'runs - ok',
      label: 'failed runs',
      periodSeconds: 10,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 2,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      description: 'test math alarm',
      ...over,
    };
  };
  const success = (value: 0 | 1, atMs: number) => datum(value, atMs, { name: 'Success', dims: { Check: 'fast' }, storageResolution: 1 });

  it('counts the failed runs of each period and fires on the quorum, every 10 s', () => {
    const e = new AlarmEvaluator(failedRuns());
    expect(e.evaluationIntervalMs).toBe(10 * SEC);
    const store = new MetricStore();
    // Period 02:00:00: one of three locations failed; 02:00:10: two of three.
    store.put(NS, [success(0, T0), success(1, T0 + 3 * SEC), success(1, T0 + 6 * SEC)]);
    store.put(NS, [success(0, T0 + 10 * SEC), success(0, T0 + 13 * SEC), success(1, T0 + 16 * SEC)]);
    expect(e.evaluate(store, T0 + 10 * SEC)).toMatchObject([{ to: 'OK' }]);
    expect(e.stateReason).toMatch(/\[1 \(02:00:00\)\] breached failed runs >= 2/);
    expect(e.evaluate(store, T0 + 20 * SEC)).toMatchObject([{ alarm: 'Failing-fast', check: 'fast', from: 'OK', to: 'ALARM' }]);
  });

  it('undercounts, never overcounts, while a location is still to come in: the Average would read one failure as all', () => {
    const e = new AlarmEvaluator(failedRuns());
    const store = new MetricStore();
    // Only the failing location's datapoint is in when the period is evaluated; the others come 5 s later.
    store.put(NS, [success(0, T0)], { visibleAtMs: T0 + 2 * SEC });
    store.put(NS, [success(1, T0 + 3 * SEC), success(1, T0 + 6 * SEC)], { visibleAtMs: T0 + 15 * SEC });
    e.evaluate(store, T0 + 10 * SEC);
    expect(e.state).toBe('OK');
    const average = new AlarmEvaluator(
      metricAlarm({
        metric: { namespace: NS, metricName: 'Success', dimensions: { Check: 'fast' }, statistic: 'Average', periodSeconds: 10 },
        comparisonOperator: 'LessThanOrEqualToThreshold',
        threshold: 1 / 3,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
      }),
    );
    average.evaluate(store, T0 + 10 * SEC);
    expect(average.state).toBe('ALARM');
  });

  it('refuses a form it does not model, unknown ids and mismatched periods, all at once', () => {
    let error: unknown;
    try {
      new AlarmEvaluator(
        failedRuns({
          expression: 'runs / ok',
          metrics: { runs: { ...failedRuns().metrics.runs!, periodSeconds: 60 }, Ok: failedRuns().metrics.ok! },
        }),
      );
    } catch (err) {
      error = err;
    }
    expect((error as InvalidAlarmDefinitionError).problems).toEqual([
      'expression must be "<id> - <id>" (the one metric math form modelled), got "runs / ok"',
      "metrics.runs.periodSeconds must be the alarm's 10, got 60",
      'metrics id "Ok" must start with a lower-case letter (MetricDataQuery Id)',
    ]);
    expect(() => new AlarmEvaluator(failedRuns({ expression: 'runs - fails' }))).toThrow(
      'expression names "fails", which is not one of metrics (runs, ok)',
    );
  });
});
