/**
 * The demo's mechanics: the replica in each state of the script, the runner invoked each simulated
 * minute exactly as EventBridge Scheduler would (createRunner, the Lambda's own code path), its
 * PutMetricData landing in a local metric store after an ingestion delay, and every alarm of
 * alarmDefinitions(config) — the very definitions the CDK construct deploys — evaluated with
 * CloudWatch's rules, its actions muted inside maintenance windows (lib/muting.ts). It yields what
 * happened, minute by minute; judging and printing are elsewhere (judge.ts, render.ts).
 */
import type { MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MonitorConfig } from '../contracts/config';
import type { CheckResult } from '../contracts/result';
import { createRunner } from '../lambda/runner';
import { staticTokenStore } from '../lambda/tokens';
import { alarmDefinitions, DEFAULT_LOCATION, type AlarmDefinition } from '../lib/alarms/definitions';
import { AlarmEvaluator, evaluateBetween, MetricStore } from '../lib/alarms/evaluator';
import { fleetFile } from '../lib/fleet/file';
import { planFleet, type FleetPlan } from '../lib/fleet/plan';
import { muteTransitions, mutingOf, type ActedTransition } from '../lib/muting';
import type { BackstopDemoPage, IncidentPager, PipelinePage } from './pipeline';
import { startReplica } from './replica';
import { demoConfig, HOUR_MS, MINUTE_MS, stepStarts, type DemoStep } from './scenario';

export interface WalkOptions {
  readonly scenario: readonly DemoStep[];
  readonly token: string;
  readonly minuteMs: number;
  readonly settleMs: number;
  readonly retryDelayMs: number;
  readonly timeoutMs: number;
  readonly ingestionMs: number;
  readonly pager?: IncidentPager;
}

/** What the walk is made of, before the first step. */
export interface WalkSetup {
  readonly config: MonitorConfig;
  readonly plan: FleetPlan;
  readonly definitions: readonly AlarmDefinition[];
  readonly simStartMs: number;
  readonly replicaOrigin: string;
  readonly evaluators: readonly AlarmEvaluator[];
}

/** One simulated minute. */
export interface DemoMinute {
  readonly index: number;
  readonly step: number;
  readonly regression: DemoStep['regression'];
  readonly startMs: number;
  /** Every result of the minute: one per check per tick. */
  readonly results: readonly CheckResult[];
  readonly datums: readonly MetricDatum[];
  /** The alarms' state changes evaluated up to the minute's end, each marked muted or not. */
  readonly transitions: readonly ActedTransition[];
  /** What the incident pipeline sent this minute, in tick order (none without a pager). */
  readonly notifications: readonly PipelinePage[];
  /** What the backstop notifier did with the minute's alarm transitions (none without a pager). */
  readonly backstop: readonly BackstopDemoPage[];
}

export type WalkEvent =
  | { readonly type: 'setup'; readonly setup: WalkSetup }
  | { readonly type: 'step'; readonly step: number; readonly startMs: number }
  | { readonly type: 'minute'; readonly minute: DemoMinute };

/**
 * A clock that runs `60_000 / minuteMs` times faster than the real one: the runner's sleeps and its
 * reading of "now" both go through it, so a fast shard's ticks keep their 10 s (simulated) spacing.
 */
class DemoClock {
  private simMs: number;
  constructor(
    startMs: number,
    private readonly scale: number,
  ) {
    this.simMs = startMs;
  }
  now = (): number => this.simMs;
  set(ms: number): void {
    this.simMs = Math.max(this.simMs, ms);
  }
  sleep = async (ms: number): Promise<void> => {
    this.simMs += ms;
    const real = ms * this.scale;
    if (real > 0) await sleep(real);
  };
}

/** `T+03:00`; a period that began before the walk (an hourly one) is named by the hour it ends. */
export function demoTime(simStartMs: number): (ms: number) => string {
  const at = (ms: number): string => {
    if (ms < simStartMs) return `the hour to ${at(Math.floor(ms / HOUR_MS) * HOUR_MS + HOUR_MS)}`;
    const s = Math.round((ms - simStartMs) / 1000);
    return `T+${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };
  return at;
}

/** Walk the scenario; the replica is closed when the walk ends or its consumer stops early. */
export async function* walk(options: WalkOptions, simStartMs: number): AsyncGenerator<WalkEvent> {
  const replica = await startReplica({ token: options.token });
  try {
    const config = demoConfig(replica, { ...options, simStartMs });
    const plan = planFleet(config);
    const definitions = alarmDefinitions(config, plan).filter((d) => d.class !== 'RunnerDropped');
    const clock = new DemoClock(simStartMs, options.minuteMs / MINUTE_MS);
    // The monitor was deployed before the walk starts: its alarms' warm-up is over.
    const deployedAt = simStartMs - Math.max(...definitions.map((d) => d.warmUpMinutes ?? 0)) * MINUTE_MS;
    const evaluators = definitions.map((d) => new AlarmEvaluator(d, { formatTime: demoTime(simStartMs), createdAtMs: deployedAt }));
    const muting = mutingOf(config, definitions);
    const store = new MetricStore();
    yield { type: 'setup', setup: { config, plan, definitions, simStartMs, replicaOrigin: replica.origin, evaluators } };

    // The runner, as Lambda builds it, with two stand-ins for AWS: the token store holds the
    // replica's token, and PutMetricData lands in the local metric store after the ingestion delay.
    let published: MetricDatum[] = [];
    const sink = {
      send: async (command: PutMetricDataCommand) => {
        const data = command.input.MetricData ?? [];
        published.push(...data);
        // Visible to the alarms `ingestionMs` after the tick's own time (every datum of a call carries it).
        const tickMs = data[0]?.Timestamp ? new Date(data[0].Timestamp).getTime() : clock.now();
        store.put(command.input.Namespace!, data, { visibleAtMs: tickMs + options.ingestionMs });
        return {};
      },
    };
    const runner = createRunner({
      fleet: fleetFile(config, plan),
      env: { location: DEFAULT_LOCATION },
      tokens: staticTokenStore({ default: options.token }),
      attemptOptions: { ca: replica.ca },
      writeLine: () => undefined,
      now: clock.now,
      sleep: clock.sleep,
      publishClient: sink as never,
    });

    const starts = stepStarts(options.scenario, simStartMs);
    let index = 0;
    let evaluatedTo = simStartMs;
    for (const [s, step] of options.scenario.entries()) {
      await replica.set(step.regression);
      yield { type: 'step', step: s, startMs: starts[s]! };
      for (let m = 0; m < step.minutes; m++, index++) {
        const startMs = simStartMs + index * MINUTE_MS;
        clock.set(startMs);
        published = [];
        // EventBridge Scheduler fires every shard at the top of the minute.
        const reports = await Promise.all(plan.shards.map((shard) => runner({ shard: shard.id, scheduledTime: new Date(startMs).toISOString() })));
        const results = reports.flatMap((r) => r.ticks.flatMap((t) => t.results));
        const datums = published;
        // The pipeline gets each tick's results (every shard's) in tick order.
        const notifications: PipelinePage[] = [];
        if (options.pager) {
          const ticks = [...new Set(reports.flatMap((r) => r.ticks.map((t) => t.at)))].sort();
          for (const at of ticks) {
            const tickResults = reports.flatMap((r) => r.ticks.filter((t) => t.at === at).flatMap((t) => t.results));
            notifications.push(...(await options.pager.onTick(tickResults, Date.parse(at), config)));
          }
        }
        const endMs = startMs + MINUTE_MS;
        clock.set(endMs);
        const transitions = muteTransitions(muting, evaluateBetween(evaluators, store, evaluatedTo + 1, endMs));
        evaluatedTo = endMs;
        // The alarm-state rule hands each alarm-level transition to the backstop notifier.
        const backstop = options.pager ? await options.pager.onAlarms(transitions, { config, plan, definitions }) : [];
        yield {
          type: 'minute',
          minute: { index, step: s, regression: step.regression, startMs, results, datums, transitions, notifications, backstop },
        };
      }
    }
  } finally {
    await replica.close();
  }
}
