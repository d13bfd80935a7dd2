/**
 * Issue 14: alarms on a quorum of locations, through the alarm definitions the stack deploys (the
 * home stack of buildMonitorStacks for the seed probing from three regions, quorum 2 by default)
 * and the local evaluator. Each location's runner publishes what lambda/runner.ts publishes
 * (toMetricData of its results: Success, Duration, Failures and the sparse Interval copy, its
 * ShardResults heartbeat, high resolution for the fast shard) under the same identities into one
 * store, as every location publishes to the home region; each location's datapoints become visible
 * after its own delay. One location failing for an hour pages nothing; two or three page, each class
 * once per check per incident; a location whose runner stops fires its own Silent alarm.
 */
import { describe, expect, it } from 'vitest';
import defaultConfigJson from '../../config/default.json';
import type { MonitorConfigInput } from '../../contracts/config';
import type { Outcome } from '../../contracts/outcomes';
import type { CheckResult } from '../../contracts/result';
import { toMetricData } from '../../lambda/metrics/datums';
import { quorumOf } from '../../lib/alarms/definitions';
import { AlarmEvaluator, evaluateBetween, MetricStore, type AlarmTransition } from '../../lib/alarms/evaluator';
import type { AlarmDefinition, MathAlarmDefinition } from '../../lib/alarms/model';
import { buildMonitorStacks } from '../../lib/monitor-stack';
import { testApp } from '../lib/support';
import { MIN, SEC } from './helpers';

const LOCATIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'] as const;
type Location = (typeof LOCATIONS)[number];

/** The seed from three regions, plus a fast (10 s) check: every kind of alarm the quorum shapes. */
const CONFIG: MonitorConfigInput = {
  ...(defaultConfigJson as MonitorConfigInput),
  locations: [...LOCATIONS],
  checks: [
    ...(defaultConfigJson as MonitorConfigInput).checks,
    { name: 'orders-fast', kind: 'http', url: 'https://multivendor-backend.indexo.ir/api/orders/', intervalSeconds: 10 },
  ],
};

const { monitor } = buildMonitorStacks(testApp({ bundle: false }), 'Quorum', CONFIG);
const config = monitor.monitor.config;
const plan = monitor.monitor.plan;
const definitions: readonly AlarmDefinition[] = monitor.monitor.alarmDefinitions;
const intervals = new Map(config.checks.map((c) => [c.name, c.intervalSeconds]));
const kindOf = new Map(config.checks.map((c) => [c.name, c.kind]));

/** A minute boundary; the alarms are created (deployed) here, healthy data flows from here on. */
const T0 = Date.UTC(2026, 11, 1, 0, 0, 0);
/** The regression starts here, long after every alarm's warm-up (warmUpMinutes) ended. */
const START = T0 + 20 * MIN;

/**
 * When a location's datapoints become visible after its tick: the run, the publish and CloudWatch's
 * ingestion. us-east-1 is the quickest, so when it is the failing one its datapoints are in first.
 */
const DELAY: Readonly<Record<Location, number>> = { 'us-east-1': 2 * SEC, 'eu-west-1': 11 * SEC, 'ap-southeast-1': 12 * SEC };

/** What a location's run of a check at a tick reports: ok, or a failure with its outcome; `silent`: the runner does not run. */
type Health = (location: Location, check: string, tickMs: number) => Outcome | 'ok' | 'silent';

/** The failures of the regression: the WebSocket refused, the API forbidden, the fast check refused. */
const REGRESSION: Readonly<Record<string, Outcome>> = { 'chat-websocket': 'refused', 'buyer-orders': 'forbidden', 'orders-fast': 'refused' };

function result(check: string, outcome: Outcome | 'ok', atMs: number): CheckResult {
  const ok = outcome === 'ok';
  return {
    check,
    kind: kindOf.get(check)!,
    url: '',
    ok,
    outcome: ok ? 'ok' : outcome,
    attempts: ok ? 1 : 2,
    message: '',
    timings: { totalMs: 300 },
    startedAt: new Date(atMs).toISOString(),
  };
}

/** Every tick of every shard in every location from T0 to `untilMs`, as the runners publish them. */
function publish(health: Health, untilMs: number): MetricStore {
  const store = new MetricStore();
  for (const location of LOCATIONS) {
    for (const shard of plan.shards) {
      for (let tick = T0; tick < untilMs; tick += shard.intervalSeconds * SEC) {
        const outcomes = shard.checks.map((check) => [check, health(location, check, tick)] as const);
        if (outcomes.some(([, o]) => o === 'silent')) continue;
        const results = outcomes.map(([check, o]) => result(check, o as Outcome | 'ok', tick));
        const datums = toMetricData(results, {
          intervals,
          timestamp: new Date(tick),
          heartbeat: { shard: shard.id, location, highResolution: shard.fast },
        });
        store.put(config.namespace, datums, { visibleAtMs: tick + DELAY[location] });
      }
    }
  }
  return store;
}

/** Evaluate every deployed alarm (created at T0) at CloudWatch's cadence up to `untilMs`; the transitions after the healthy start. */
function run(health: Health, untilMs: number, defs: readonly AlarmDefinition[] = definitions): AlarmTransition[] {
  const store = publish(health, untilMs);
  const evaluators = defs.map((d) => new AlarmEvaluator(d, { createdAtMs: T0 }));
  return evaluateBetween(evaluators, store, T0, untilMs);
}

/** Regression in `failing` locations from START to `endMs`, healthy otherwise. */
const outage =
  (failing: readonly Location[], endMs = Infinity): Health =>
  (location, check, tick) =>
    failing.includes(location) && tick >= START && tick < endMs ? REGRESSION[check]! : 'ok';

const alarms = (ts: readonly AlarmTransition[]) => ts.filter((t) => t.to === 'ALARM');
const label = (t: AlarmTransition) => `${t.alarm}${t.contributor !== undefined ? `/${t.contributor}` : ''}`;

describe('quorum 2 of 3 locations, through the deployed alarm definitions', () => {
  it("deploys the quorum: 2 of 3 by default, in every class threshold and the fast check's metric math", () => {
    expect(quorumOf(config)).toBe(2);
    const byId = new Map(definitions.map((d) => [d.id, d]));
    expect(['Refused-60s', 'Forbidden-60s', 'Failing-60s'].map((id) => byId.get(id)!.threshold)).toEqual([2, 2, 2]);
    // One location makes 6 failed runs a minute of a 10 s check: 7 prove a second one.
    expect(['Refused-10s', 'Forbidden-10s'].map((id) => byId.get(id)!.threshold)).toEqual([7, 7]);
    expect(byId.get('Failing-orders-fast')).toMatchObject({
      type: 'math',
      expression: 'runs - ok',
      threshold: 2,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(
      definitions
        .filter((d) => d.class === 'Silent')
        .map((d) => d.id)
        .sort(),
    ).toEqual(plan.shards.flatMap((s) => LOCATIONS.map((l) => `Silent-${s.id}-${l}`)).sort());
  });

  it('pages nothing while one location fails for an hour (refused and forbidden), its datapoints in first', () => {
    const ts = run(outage(['us-east-1']), START + 60 * MIN);
    expect(alarms(ts).map(label)).toEqual([]);
    // The alarms did see the failures: the contributors exist, below the quorum.
    expect(
      ts
        .filter((t) => t.to === 'OK' && t.contributor === undefined)
        .map((t) => t.alarm)
        .sort(),
    ).toEqual(definitions.map((d) => d.id).sort());
  });

  it('would page on that one location with the fast check on an Average of Success, which is why it counts failed runs', () => {
    const math = definitions.find((d): d is MathAlarmDefinition => d.type === 'math')!;
    // Average <= (n - q) / n: with only us-east-1's failed tick in when the period is evaluated, the Average is 0.
    const average: AlarmDefinition = {
      ...math,
      type: 'metric',
      metric: { ...math.metrics.ok!, statistic: 'Average' },
      comparisonOperator: 'LessThanOrEqualToThreshold',
      threshold: 1 / 3,
    };
    const ts = run(outage(['us-east-1']), START + 10 * MIN, [average]);
    expect(alarms(ts).length).toBeGreaterThan(0);
  });

  it('pages when two of three locations fail: every class names its check, in a minute (Failing: 2 minutes; the fast check: 20 s)', () => {
    const ts = run(outage(['us-east-1', 'eu-west-1']), START + 10 * MIN);
    const first = new Map<string, number>();
    for (const t of alarms(ts)) if (!first.has(label(t))) first.set(label(t), (t.atMs - START) / SEC);
    expect(Object.fromEntries(first)).toEqual({
      // The fast check's first 10 s period holds both failed ticks once eu-west-1's is in (+11 s): the
      // evaluation at +20 s judges it although the newer period holds only us-east-1's (the late periods).
      'Failing-orders-fast': 20,
      // 60 s classes: the first failed minute, both datapoints in, evaluated when it ends.
      'Refused-60s/chat-websocket': 60,
      'Refused-60s': 60,
      'Forbidden-60s/buyer-orders': 60,
      'Forbidden-60s': 60,
      // 12 failed fast runs in a minute >= 7.
      'Refused-10s/orders-fast': 60,
      'Refused-10s': 60,
      // Failing fires on 2 failed minutes.
      'Failing-60s/buyer-orders': 120,
      'Failing-60s/chat-websocket': 120,
      'Failing-60s': 120,
    });
  });

  it('pages when all three fail, each class once per check for the whole incident, and recovers once', () => {
    const end = START + 30 * MIN;
    const ts = run(outage(LOCATIONS, end), end + 15 * MIN);
    const pages = alarms(ts).map(label);
    // Each alarm, and each of its contributors, goes to ALARM exactly once in 30 minutes of outage.
    expect(pages.sort()).toEqual(
      [
        'Failing-60s',
        'Failing-60s/buyer-orders',
        'Failing-60s/chat-websocket',
        'Failing-orders-fast',
        'Forbidden-60s',
        'Forbidden-60s/buyer-orders',
        'Refused-10s',
        'Refused-10s/orders-fast',
        'Refused-60s',
        'Refused-60s/chat-websocket',
      ].sort(),
    );
    expect(alarms(ts).every((t) => t.atMs >= START && t.atMs < end)).toBe(true);
    // And each comes back to OK once after the outage.
    const recovered = ts
      .filter((t) => t.to === 'OK' && t.atMs >= end)
      .map(label)
      .sort();
    expect(recovered).toEqual(pages.sort());
  });

  it("fires the stopped location's Silent alarms, per shard, and nothing else, even while another location fails", () => {
    const health: Health = (location, check, tick) =>
      location === 'ap-southeast-1' && tick >= START ? 'silent' : location === 'us-east-1' && tick >= START ? REGRESSION[check]! : 'ok';
    const ts = run(health, START + 20 * MIN);
    // 3 of 3 missing heartbeats, missing data breaching: once the last heartbeat left the evaluation
    // range (N + 2 = 5 periods), for both shards (the fast one is invoked every minute too).
    expect(
      alarms(ts)
        .map((t) => `${t.alarm}@${(t.atMs - START) / MIN}m`)
        .sort(),
    ).toEqual(plan.shards.map((s) => `Silent-${s.id}-ap-southeast-1@5m`).sort());
    // A silent location does not count as a failing one: one failing location is still no page.
    expect(alarms(ts).filter((t) => t.class !== 'Silent')).toEqual([]);
  });
});
