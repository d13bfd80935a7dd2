import { describe, expect, it, test } from 'vitest';
import {
  AlarmEvaluator,
  evaluateBetween,
  InvalidAlarmDefinitionError,
  MAX_CONTRIBUTORS_IN_ALARM,
  MetricStore,
  type AlarmTransition,
} from '../../lib/alarms/evaluator';
import { renderInsightsQuery } from '../../lib/alarms/model';
import { datum, failure, insightsAlarm, MIN, NS, SEC, T0 } from './helpers';

const QUERY_60S_REFUSED = `SELECT SUM("Failures") FROM SCHEMA("SyntheticMonitor", "Check", "Interval", "Reason") WHERE "Interval" = '60' AND "Reason" = 'refused' GROUP BY "Check" ORDER BY SUM() DESC LIMIT 500`;
/** What main deployed before every identifier was quoted: CHECK and INTERVAL are reserved keywords. */
const UNQUOTED_QUERY = `SELECT SUM(Failures) FROM SCHEMA("SyntheticMonitor", Check, Interval, Reason) WHERE Interval = '60' AND Reason = 'refused' GROUP BY Check ORDER BY SUM() DESC LIMIT 500`;
const summary = (ts: readonly AlarmTransition[]) => ts.map((t) => `${t.contributor ?? '(alarm)'}:${t.from}→${t.to}`);

describe('Metrics Insights multi-time-series alarms', () => {
  it('renders the deployed query the fleet uses', () => {
    expect(insightsAlarm().query).toBe(QUERY_60S_REFUSED);
  });

  it('leaves INSUFFICIENT_DATA for OK at its first evaluation while the query returns no series (notBreaching)', () => {
    const e = new AlarmEvaluator(insightsAlarm());
    expect(e.evaluationIntervalMs).toBe(MIN);
    const ts = e.evaluate(new MetricStore(), T0 + MIN);
    expect(ts).toMatchObject([{ alarm: 'Refused-60s', class: 'Refused', from: 'INSUFFICIENT_DATA', to: 'OK' }]);
    expect(ts[0]).not.toHaveProperty('contributor');
    expect(ts[0]).not.toHaveProperty('check');
    expect(ts[0]!.reason).toContain('the query returned no time series in the last 3 periods');
    // With 'missing' the alarm stays in INSUFFICIENT_DATA until a series exists.
    const missing = new AlarmEvaluator(insightsAlarm({ treatMissingData: 'missing' }));
    expect(missing.evaluate(new MetricStore(), T0 + MIN)).toEqual([]);
    expect(missing.state).toBe('INSUFFICIENT_DATA');
  });

  it('sends one contributor ALARM per failing check and one alarm-level ALARM, then the OKs when the series stop', () => {
    const e = new AlarmEvaluator(insightsAlarm());
    const store = new MetricStore();
    e.evaluate(store, T0 + MIN);
    store.put(NS, [failure('orders', 'refused', T0 + MIN + 3 * SEC), failure('chat', 'refused', T0 + MIN + 4 * SEC)]);
    const fired = e.evaluate(store, T0 + 2 * MIN);
    expect(summary(fired)).toEqual(['chat:OK→ALARM', 'orders:OK→ALARM', '(alarm):OK→ALARM']);
    expect(fired[0]).toMatchObject({ alarm: 'Refused-60s', class: 'Refused', check: 'chat', contributor: 'chat', atMs: T0 + 2 * MIN });
    expect(fired[0]!.reason).toMatch(/1 of the last 1 datapoints \[1 \(02:01\)\] breached SUM\(Failures\) >= 1/);
    expect(fired[2]!.reason).toBe('Threshold crossed: 2 contributor(s) in ALARM: chat, orders');
    expect([...e.contributors.keys()]).toEqual(['chat', 'orders']);
    // The datapoints stay in the 3-period range for two more evaluations, then the series are gone.
    expect(e.evaluate(store, T0 + 3 * MIN)).toEqual([]);
    expect(e.evaluate(store, T0 + 4 * MIN)).toEqual([]);
    const recovered = e.evaluate(store, T0 + 5 * MIN);
    expect(summary(recovered)).toEqual(['chat:ALARM→OK', 'orders:ALARM→OK', '(alarm):ALARM→OK']);
    expect(recovered[0]!.reason).toBe('Time series gone (no datapoints in the evaluation range): the contributor is no longer in ALARM');
    expect(e.contributors.size).toBe(0);
    expect(e.state).toBe('OK');
  });

  it('pages once per class for one incident: a second failing check adds only its contributor notification', () => {
    const e = new AlarmEvaluator(insightsAlarm());
    const store = new MetricStore();
    for (let i = 1; i <= 4; i++) store.put(NS, [failure('chat', 'refused', T0 + i * MIN)]);
    for (let i = 3; i <= 4; i++) store.put(NS, [failure('orders', 'refused', T0 + i * MIN)]);
    const ts = evaluateBetween([e], store, T0 + MIN, T0 + 10 * MIN);
    expect(ts.map((t) => `${t.contributor ?? '(alarm)'}:${t.to}@${(t.atMs - T0) / MIN}m`)).toEqual([
      '(alarm):OK@1m',
      'chat:ALARM@2m',
      '(alarm):ALARM@2m',
      'orders:ALARM@4m',
      'chat:OK@8m',
      'orders:OK@8m',
      '(alarm):OK@8m',
    ]);
    expect(ts.filter((t) => t.contributor === undefined && t.to === 'ALARM')).toHaveLength(1);
  });

  it('fires on a quorum of locations: two locations refused in the same minute sum to 2 >= threshold 2', () => {
    const e = new AlarmEvaluator(insightsAlarm({ threshold: 2 }));
    const store = new MetricStore();
    // Every location publishes the same identity to the home region (README.md#metrics-and-alarms).
    store.put(NS, [failure('chat', 'refused', T0 + MIN)], { visibleAtMs: T0 + MIN + 4 * SEC }); // eu-west-1
    e.evaluate(store, T0 + 2 * MIN);
    expect(e.state).toBe('OK');
    expect(e.contributors.get('chat')).toMatchObject({ state: 'OK' });
    expect(e.contributors.get('chat')!.reason).toMatch(/0 of the last 1 datapoints \[1 \(02:01\)\] breached SUM\(Failures\) >= 2/);
    store.put(NS, [failure('chat', 'refused', T0 + 2 * MIN)], { visibleAtMs: T0 + 2 * MIN + 3 * SEC }); // eu-west-1
    store.put(NS, [failure('chat', 'refused', T0 + 2 * MIN)], { visibleAtMs: T0 + 2 * MIN + 9 * SEC }); // us-east-1
    expect(summary(e.evaluate(store, T0 + 3 * MIN))).toEqual(['chat:OK→ALARM', '(alarm):OK→ALARM']);
    expect(e.transitions.at(-1)!.atMs).toBe(T0 + 3 * MIN);
  });

  it('judges each contributor with M of N: 2 of 3 needs two breaching minutes', () => {
    const e = new AlarmEvaluator(
      insightsAlarm({ id: 'Failing-60s', class: 'Failing', select: { where: { Interval: '60' } }, evaluationPeriods: 3, datapointsToAlarm: 2 }),
    );
    const store = new MetricStore();
    store.put(NS, [failure('chat', 'timeout', T0 + MIN)]);
    e.evaluate(store, T0 + 2 * MIN);
    expect(e.state).toBe('OK');
    store.put(NS, [failure('chat', 'refused', T0 + 2 * MIN)]);
    expect(summary(e.evaluate(store, T0 + 3 * MIN))).toEqual(['chat:OK→ALARM', '(alarm):OK→ALARM']);
  });

  it('filters with WHERE: another Interval or Reason is not selected; without Reason every reason sums', () => {
    const refused = new AlarmEvaluator(insightsAlarm());
    const failingAlarm = insightsAlarm({ id: 'Failing-60s', class: 'Failing', select: { where: { Interval: '60' } }, threshold: 2 });
    const failing = new AlarmEvaluator(failingAlarm);
    const store = new MetricStore();
    store.put(NS, [failure('slow', 'refused', T0 + MIN, '300'), failure('chat', 'forbidden', T0 + MIN), failure('chat', 'timeout', T0 + MIN)]);
    refused.evaluate(store, T0 + 2 * MIN);
    expect(refused.state).toBe('OK');
    expect(refused.contributors.size).toBe(0);
    expect(failing.evaluate(store, T0 + 2 * MIN).map((t) => `${t.contributor ?? '(alarm)'}:${t.to}`)).toEqual(['chat:ALARM', '(alarm):ALARM']);
    const groups = store.queryInsights(failingAlarm.select, { fromMs: T0, toMs: T0 + 2 * MIN, nowMs: T0 + 2 * MIN, periodSeconds: 60 });
    expect(groups).toEqual([{ group: 'chat', orderValue: 2, seriesCount: 2, periods: [{ startMs: T0 }, { startMs: T0 + MIN, value: 2 }] }]);
  });

  it('selects with SCHEMA exactly its dimension set: Failures{Check, Reason} or one extra dimension is another metric', () => {
    const e = new AlarmEvaluator(insightsAlarm());
    const store = new MetricStore();
    store.put(NS, [
      datum(1, T0 + MIN, { name: 'Failures', dims: { Check: 'chat', Reason: 'refused' } }),
      datum(1, T0 + MIN, { name: 'Failures', dims: { Check: 'chat', Interval: '60', Reason: 'refused', Location: 'eu-west-1' } }),
      datum(1, T0 + MIN, { name: 'Failures', dims: { Check: 'chat', Interval: '60' } }),
      datum(1, T0 + MIN, { name: 'Failure', dims: { Check: 'chat', Interval: '60', Reason: 'refused' } }),
    ]);
    store.put('OtherNamespace', [failure('chat', 'refused', T0 + MIN)]);
    e.evaluate(store, T0 + 2 * MIN);
    expect(e.state).toBe('OK');
    expect(e.contributors.size).toBe(0);
    // Dimension order does not matter.
    store.put(NS, [
      {
        MetricName: 'Failures',
        Value: 1,
        Timestamp: new Date(T0 + MIN),
        Dimensions: [
          { Name: 'Reason', Value: 'refused' },
          { Name: 'Interval', Value: '60' },
          { Name: 'Check', Value: 'chat' },
        ],
      },
    ]);
    e.evaluate(store, T0 + 2 * MIN);
    expect(e.state).toBe('ALARM');
  });

  it('keeps a contributor in OK, never INSUFFICIENT_DATA, when its verdict would be insufficient data', () => {
    // 2 of 3 with missing data 'missing': one breaching datapoint alone is INSUFFICIENT_DATA for a single metric.
    const e = new AlarmEvaluator(insightsAlarm({ evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'missing' }));
    const store = new MetricStore();
    store.put(NS, [failure('chat', 'refused', T0 + MIN)]);
    const first = e.evaluate(store, T0 + 2 * MIN);
    expect(summary(first)).toEqual(['(alarm):INSUFFICIENT_DATA→OK']);
    expect(e.contributors.get('chat')).toMatchObject({ state: 'OK' });
    expect(e.contributors.get('chat')!.reason).toMatch(/^Insufficient data/);
    // The knowledge-center case then fires it once the datapoint is 2 periods old.
    expect(summary(e.evaluate(store, T0 + 3 * MIN))).toEqual(['chat:OK→ALARM', '(alarm):OK→ALARM']);
  });

  it(`puts at most ${MAX_CONTRIBUTORS_IN_ALARM} contributors in ALARM; the others wait for a free place`, () => {
    const e = new AlarmEvaluator(insightsAlarm());
    const store = new MetricStore();
    const checks = Array.from({ length: 120 }, (_, i) => `check-${String(i).padStart(3, '0')}`);
    store.put(
      NS,
      checks.map((c) => failure(c, 'refused', T0 + MIN)),
    );
    const first = e.evaluate(store, T0 + 2 * MIN);
    expect(first.filter((t) => t.contributor !== undefined)).toHaveLength(100);
    expect(first.filter((t) => t.contributor === undefined)).toMatchObject([{ to: 'ALARM' }]);
    expect(e.cappedContributors).toBe(20);
    expect(e.contributors.get('check-100')).toMatchObject({ state: 'OK' });
    expect(e.contributors.get('check-100')!.reason).toMatch(/^Not in ALARM: 100 contributors already are/);
    // Ten of the paged checks recover (their series leave the range); ten waiting ones take their places.
    store.put(
      NS,
      checks.slice(10).map((c) => failure(c, 'refused', T0 + 2 * MIN)),
    );
    store.put(
      NS,
      checks.slice(10).map((c) => failure(c, 'refused', T0 + 3 * MIN)),
    );
    store.put(
      NS,
      checks.slice(10).map((c) => failure(c, 'refused', T0 + 4 * MIN)),
    );
    const next = e.evaluate(store, T0 + 5 * MIN);
    expect(next.filter((t) => t.to === 'OK').map((t) => t.contributor)).toEqual(checks.slice(0, 10));
    expect(next.filter((t) => t.to === 'ALARM').map((t) => t.contributor)).toEqual(checks.slice(100, 110));
    expect([...e.contributors.values()].filter((c) => c.state === 'ALARM')).toHaveLength(100);
    expect(e.cappedContributors).toBe(10);
  });

  it('evaluates only the LIMIT groups with the highest aggregate', () => {
    const e = new AlarmEvaluator(insightsAlarm({ select: { limit: 2 } }));
    const store = new MetricStore();
    // a: 3 locations, b: 2, c: 1 — ORDER BY SUM() DESC LIMIT 2 keeps a and b.
    for (const [check, n] of [
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ] as const)
      for (let i = 0; i < n; i++) store.put(NS, [failure(check, 'refused', T0 + MIN)]);
    expect(summary(e.evaluate(store, T0 + 2 * MIN))).toEqual(['a:OK→ALARM', 'b:OK→ALARM', '(alarm):INSUFFICIENT_DATA→ALARM']);
    expect(e.droppedByLimit).toBe(1);
    expect([...e.contributors.keys()]).toEqual(['a', 'b']);
  });

  it('uses only the latest 3 hours of data, whatever the evaluation range', () => {
    const e = new AlarmEvaluator(insightsAlarm(), { evaluationRangePeriods: 240 });
    const store = new MetricStore();
    store.put(NS, [failure('chat', 'refused', T0)]);
    e.evaluate(store, T0 + 180 * MIN);
    expect(e.state).toBe('ALARM');
    e.evaluate(store, T0 + 181 * MIN + 1);
    expect(e.state).toBe('OK');
  });

  it('ends warm-up early when one contributor fills the window, so a real incident at deploy still pages', () => {
    const e = new AlarmEvaluator(insightsAlarm({ evaluationPeriods: 3, datapointsToAlarm: 2, warmUpMinutes: 30 }), { createdAtMs: T0 });
    const store = new MetricStore();
    for (let i = 0; i < 10; i++) store.put(NS, [failure('chat', 'refused', T0 + i * MIN)]);
    const ts = evaluateBetween([e], store, T0, T0 + 10 * MIN);
    expect(ts.map((t) => `${t.contributor ?? '(alarm)'}:${t.from}→${t.to}@${(t.atMs - T0) / MIN}m`)).toEqual([
      'chat:OK→ALARM@3m',
      '(alarm):INSUFFICIENT_DATA→ALARM@3m',
    ]);
  });

  it('rejects a query that is not what its select renders, and every other problem, at once', () => {
    const select = insightsAlarm().select;
    let error: unknown;
    try {
      new AlarmEvaluator(
        insightsAlarm({
          query: QUERY_60S_REFUSED.replace('LIMIT 500', 'LIMIT 100'),
          periodSeconds: 10,
          select: { groupBy: 'Host', where: { ...select.where, Location: 'x' }, limit: 501 },
        }),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidAlarmDefinitionError);
    const problems = (error as InvalidAlarmDefinitionError).problems;
    expect(problems).toEqual([
      'periodSeconds must be a multiple of 60 (Metrics Insights alarms are standard resolution), got 10',
      `query must be exactly what select renders to: got ${JSON.stringify(QUERY_60S_REFUSED.replace('LIMIT 500', 'LIMIT 100'))}, select renders ${JSON.stringify(
        renderInsightsQuery({ ...select, groupBy: 'Host', where: { ...select.where, Location: 'x' }, limit: 501 }),
      )}`,
      'select.limit must be a whole number from 1 to 500, got 501',
      'select.groupBy (Host) must be one of the SCHEMA dimensions (Check, Interval, Reason)',
      'select.where.Location is not a SCHEMA dimension (Check, Interval, Reason): the query would match nothing',
    ]);
  });

  test.each([
    ['a different LIMIT', QUERY_60S_REFUSED.replace('LIMIT 500', 'LIMIT 100')],
    ['another Reason', QUERY_60S_REFUSED.replace("'refused'", "'forbidden'")],
    ['extra whitespace', QUERY_60S_REFUSED.replace('GROUP BY', 'GROUP  BY')],
    ['an unquoted metric name that is no keyword', QUERY_60S_REFUSED.replace('"Failures"', 'Failures')],
  ])('throws when the deployed query differs from the modelled select (%s)', (_what, query) => {
    expect(() => new AlarmEvaluator(insightsAlarm({ query }))).toThrow(/Refused-60s: query must be exactly what select renders to/);
  });

  it('rejects the unquoted query main deployed: CHECK and INTERVAL are reserved keywords', () => {
    let error: unknown;
    try {
      new AlarmEvaluator(insightsAlarm({ query: UNQUOTED_QUERY }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidAlarmDefinitionError);
    expect((error as InvalidAlarmDefinitionError).problems.filter((p) => p.startsWith('query is not valid'))).toEqual([
      'query is not valid Metrics Insights: label key Check at position 53 is a reserved keyword and must be enclosed in double quotes',
      'query is not valid Metrics Insights: label key Interval at position 60 is a reserved keyword and must be enclosed in double quotes',
      'query is not valid Metrics Insights: label key Interval at position 84 is a reserved keyword and must be enclosed in double quotes',
      'query is not valid Metrics Insights: label key Check at position 132 is a reserved keyword and must be enclosed in double quotes',
    ]);
  });

  it('rejects an evaluation window longer than the 3 hours an Insights alarm can see', () => {
    expect(() => new AlarmEvaluator(insightsAlarm({ periodSeconds: 300, evaluationPeriods: 37, datapointsToAlarm: 1 }))).toThrow(
      'periodSeconds × evaluationPeriods (300 × 37) must not exceed 10800 s: only the latest 3 hours of data are evaluated',
    );
  });
});
