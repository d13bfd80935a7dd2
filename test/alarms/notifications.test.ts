/**
 * Zero notifications on a fresh deploy and on an update, and a real regression still pages
 * (docs/DESIGN.md, "Alarms"): the deployed alarm definitions run in the local evaluator, every
 * alarm-level transition becomes the "CloudWatch Alarm State Change" event CloudWatch sends
 * (contributor changes become their own detail-type), and an event is a notification only when it
 * matches the EventPattern of the notification rule read from the synthesized home template.
 *
 * `cdk deploy --all` is modelled as the CDK CLI runs it: one stack after another, each after the
 * stacks it depends on (lib/monitor-stack.ts: the home stack depends on every remote runner stack).
 * A location's runner publishes from the moment its stack is deployed; the alarms exist (and warm
 * up) from the moment the home stack is. Mocked: the AWS account itself (CloudFormation's order, the
 * time a stack takes to deploy: STACK_DEPLOY_MS).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import defaultConfigJson from '../../config/default.json';
import type { MonitorConfigInput } from '../../contracts/config';
import { intervalsByCheck } from '../../contracts/metrics';
import type { Outcome } from '../../contracts/outcomes';
import type { CheckResult } from '../../contracts/result';
import { toMetricData } from '../../lambda/metrics/datums';
import { AlarmEvaluator, evaluateBetween, MetricStore, type AlarmTransition } from '../../lib/alarms/evaluator';
import { alarmStateChangeEvent, matchesEventPattern } from '../../lib/alarms/events';
import { buildMonitorStacks, type MonitorStack, type RunnerStack } from '../../lib/monitor-stack';
import { cdkJsonFeatureFlags } from '../lib/support';
import { MIN, SEC } from './helpers';

const LOCATIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'] as const;
const SEED = defaultConfigJson as MonitorConfigInput;
/** The seed from three regions with a 10 s and a 20 s check: every alarm type and cadence. */
const CONFIG: MonitorConfigInput = {
  ...SEED,
  locations: [...LOCATIONS],
  checks: [
    ...SEED.checks,
    { name: 'orders-fast', kind: 'http', url: 'https://multivendor-backend.indexo.ir/api/orders/', intervalSeconds: 10 },
    { name: 'health-20s', kind: 'http', url: 'https://multivendor-backend.indexo.ir/health/', intervalSeconds: 20 },
  ],
};
/** How long one stack takes to deploy (CloudFormation create; the order matters, not the figure). */
const STACK_DEPLOY_MS = 4 * MIN;
const T0 = Date.UTC(2026, 11, 1, 0, 0, 0);
/** Per location, how long after its tick a datapoint is visible in the home region. */
const DELAY: Readonly<Record<string, number>> = { 'us-east-1': 2 * SEC, 'eu-west-1': 11 * SEC, 'ap-southeast-1': 12 * SEC };

interface Deployed {
  readonly home: MonitorStack;
  readonly runners: readonly RunnerStack[];
  readonly pattern: unknown;
}

function synth(config: MonitorConfigInput): Deployed {
  const app = new App({ context: { ...cdkJsonFeatureFlags(), 'aws:cdk:bundling-stacks': [] } });
  const { monitor, runners } = buildMonitorStacks(app, 'Notify', config);
  const rules = Object.values(Template.fromStack(monitor).findResources('AWS::Events::Rule')) as Array<{ Properties: { EventPattern: unknown } }>;
  expect(rules).toHaveLength(1);
  return { home: monitor, runners, pattern: rules[0]!.Properties.EventPattern };
}

/**
 * The order `cdk deploy --all` deploys the stacks in: each after every stack it depends on
 * (Stack.dependencies, what addStackDependency records), otherwise in the app's order.
 */
function deployOrder(stacks: readonly Stack[]): Stack[] {
  const done: Stack[] = [];
  const pending = [...stacks];
  while (pending.length) {
    const next = pending.findIndex((s) => s.dependencies.every((d) => done.includes(d)));
    if (next < 0) throw new Error(`dependency cycle among ${pending.map((s) => s.stackName).join(', ')}`);
    done.push(...pending.splice(next, 1));
  }
  return done;
}

/** When each location starts publishing and when the alarms are created, for stacks deployed in `order`. */
function timeline(d: Deployed, order: readonly Stack[]) {
  const doneAt = new Map(order.map((s, i) => [s, T0 + (i + 1) * STACK_DEPLOY_MS]));
  const publishingFrom = new Map<string, number>();
  // A remote runner stack is pinned to its location's region.
  for (const r of d.runners) publishingFrom.set(r.region, doneAt.get(r)!);
  for (const l of LOCATIONS) if (!publishingFrom.has(l)) publishingFrom.set(l, doneAt.get(d.home)!);
  return { alarmsCreatedAt: doneAt.get(d.home)!, publishingFrom };
}

type Health = (location: string, check: string, tickMs: number) => Outcome | 'ok';
const healthy: Health = () => 'ok';

/** What every location's runner publishes from `from[location]` to `untilMs`, as lambda/runner.ts does. */
function publish(d: Deployed, from: ReadonlyMap<string, number>, untilMs: number, health: Health, store = new MetricStore()): MetricStore {
  const config = d.home.monitor.config;
  const intervals = intervalsByCheck(config.checks);
  const kindOf = new Map(config.checks.map((c) => [c.name, c.kind]));
  for (const location of LOCATIONS) {
    for (const shard of d.home.monitor.plan.shards) {
      const step = shard.intervalSeconds * SEC;
      for (let tick = Math.ceil(from.get(location)! / step) * step; tick < untilMs; tick += step) {
        const results: CheckResult[] = shard.checks.map((check) => {
          const outcome = health(location, check, tick);
          return {
            check,
            kind: kindOf.get(check)!,
            url: '',
            ok: outcome === 'ok',
            outcome,
            attempts: 1,
            message: '',
            timings: { totalMs: 200 },
            startedAt: new Date(tick).toISOString(),
          };
        });
        const datums = toMetricData(results, {
          intervals,
          timestamp: new Date(tick),
          heartbeat: { shard: shard.id, location, highResolution: shard.fast },
        });
        store.put(config.namespace, datums, { visibleAtMs: tick + DELAY[location]! });
      }
    }
  }
  return store;
}

/** The transitions the notification rule forwards to the topic (the notifications). */
function notifications(d: Deployed, ts: readonly AlarmTransition[]): string[] {
  const names = d.home.monitor.alarmNames;
  return ts
    .filter((t) => {
      const event =
        t.contributor === undefined
          ? alarmStateChangeEvent(names.get(t.alarm)!, t.from, t.to)
          : { ...alarmStateChangeEvent(names.get(t.alarm)!, t.from, t.to), 'detail-type': 'CloudWatch Alarm Contributor State Change' };
      return matchesEventPattern(d.pattern, event);
    })
    .map((t) => `${t.alarm}:${t.from}->${t.to}`);
}

describe('notifications of a fresh deploy, an update and a regression (the deployed rule and alarms)', () => {
  const d = synth(CONFIG);

  it('deploys the remote runner stacks before the home stack (cdk deploy --all follows addStackDependency)', () => {
    const order = deployOrder([d.home, ...d.runners]);
    expect(order.map((s) => s.stackName)).toEqual(['Notify-runner-eu-west-1', 'Notify-runner-ap-southeast-1', 'Notify']);
    // Ordering only: no stack reads another's outputs.
    for (const s of [d.home, ...d.runners]) expect(Template.fromStack(s).toJSON().Outputs?.['ExportsOutput']).toBeUndefined();
  });

  it('sends 0 notifications on a fresh cdk deploy --all, though every alarm leaves INSUFFICIENT_DATA', () => {
    const { alarmsCreatedAt, publishingFrom } = timeline(d, deployOrder([d.home, ...d.runners]));
    const until = alarmsCreatedAt + 90 * MIN;
    const evaluators = d.home.monitor.alarmDefinitions.map((def) => new AlarmEvaluator(def, { createdAtMs: alarmsCreatedAt }));
    const ts = evaluateBetween(evaluators, publish(d, publishingFrom, until, healthy), alarmsCreatedAt, until);
    // Not vacuous: every alarm did change state once (INSUFFICIENT_DATA -> OK), and CloudWatch sent that event.
    expect(new Set(ts.filter((t) => t.from === 'INSUFFICIENT_DATA' && t.to === 'OK').map((t) => t.alarm))).toEqual(
      new Set(evaluators.map((e) => e.definition.id)),
    );
    expect(notifications(d, ts)).toEqual([]);
  });

  it('would page Silent for the last remote location if the home stack deployed first (the order the dependency prevents)', () => {
    const wrong = [d.home, ...d.runners];
    const { alarmsCreatedAt, publishingFrom } = timeline(d, wrong);
    const until = alarmsCreatedAt + 30 * MIN;
    const evaluators = d.home.monitor.alarmDefinitions.map((def) => new AlarmEvaluator(def, { createdAtMs: alarmsCreatedAt }));
    const all = evaluateBetween(evaluators, publish(d, publishingFrom, until, healthy), alarmsCreatedAt, until);
    const sent = notifications(d, all);
    // Each of its shards pages Silent when warm-up ends, and recovers once the runner lands.
    expect(sent.sort()).toEqual(
      d.home.monitor.plan.shards
        .flatMap((s) => [`Silent-${s.id}-ap-southeast-1:ALARM->OK`, `Silent-${s.id}-ap-southeast-1:INSUFFICIENT_DATA->ALARM`])
        .sort(),
    );
  });

  it('sends 0 notifications on an update that adds a check (a new alarm warms up) and rewrites the others, whether or not their state resets', () => {
    const { alarmsCreatedAt, publishingFrom } = timeline(d, deployOrder([d.home, ...d.runners]));
    const updateAt = alarmsCreatedAt + 60 * MIN;
    const until = updateAt + 60 * MIN;
    const v2 = synth({
      ...CONFIG,
      checks: [
        ...CONFIG.checks!,
        { name: 'orders-fast-2', kind: 'http', url: 'https://multivendor-backend.indexo.ir/api/orders/2/', intervalSeconds: 10 },
      ],
    });
    for (const stateResets of [false, true]) {
      const store = publish(d, publishingFrom, updateAt, healthy);
      const before = d.home.monitor.alarmDefinitions.map((def) => new AlarmEvaluator(def, { createdAtMs: alarmsCreatedAt }));
      const ts = evaluateBetween(before, store, alarmsCreatedAt, updateAt - 1);
      // The update: the runners redeploy first (same order), then the home stack rewrites the alarms.
      publish(v2, new Map(LOCATIONS.map((l) => [l, updateAt])), until, healthy, store);
      const byId = new Map(before.map((e) => [e.definition.id, e]));
      const after = v2.home.monitor.alarmDefinitions.map((def) => {
        const old = byId.get(def.id);
        const e = new AlarmEvaluator(def, { createdAtMs: old && !stateResets ? alarmsCreatedAt : updateAt });
        if (old && !stateResets) {
          // PutMetricAlarm on an existing alarm keeps its state; its warm-up does not restart.
          e.state = old.state;
          e.warmUpEndedAtMs = old.warmUpEndedAtMs;
        }
        return e;
      });
      expect(after.length).toBe(before.length + 1);
      ts.push(...evaluateBetween(after, store, updateAt, until));
      expect(notifications(v2, ts), `state resets: ${stateResets}`).toEqual([]);
    }
  });

  it('pages a real regression once per alarm, and its recovery once (2 of 3 locations refuse the WebSocket)', () => {
    const { alarmsCreatedAt, publishingFrom } = timeline(d, deployOrder([d.home, ...d.runners]));
    const start = alarmsCreatedAt + 30 * MIN;
    const end = start + 10 * MIN;
    const until = end + 20 * MIN;
    const health: Health = (location, check, tick) =>
      check === 'chat-websocket' && location !== 'us-east-1' && tick >= start && tick < end ? 'refused' : 'ok';
    const evaluators = d.home.monitor.alarmDefinitions.map((def) => new AlarmEvaluator(def, { createdAtMs: alarmsCreatedAt }));
    const sent = notifications(d, evaluateBetween(evaluators, publish(d, publishingFrom, until, health), alarmsCreatedAt, until));
    expect(sent).toEqual(['Refused-60s:OK->ALARM', 'Failing-60s:OK->ALARM', 'Refused-60s:ALARM->OK', 'Failing-60s:ALARM->OK']);
  });
});
