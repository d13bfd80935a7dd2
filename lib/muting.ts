/**
 * Which alarms a maintenance window mutes, and the local model of muting (docs/DESIGN.md#maintenance-windows).
 * Plain data, no CDK: the construct (lib/maintenance.ts) deploys these targets as alarm mute rules;
 * the demo and tests wrap the local evaluator's transitions with `muteTransitions`.
 *
 * AWS::CloudWatch::AlarmMuteRule: "When a mute rule is active, targeted alarms continue to evaluate
 * metrics and transition between states, but their configured actions (such as Amazon SNS
 * notifications or Auto Scaling actions) are muted."
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarmmuterule.html
 * So the evaluator runs unchanged, and a transition inside an active window runs no action.
 */
import type { MonitorConfig } from '../contracts/config';
import { openingAt, type MaintenanceWindow } from '../contracts/config/maintenance';
import { tlsHostOf } from '../contracts/kinds';
import { AlarmClass, type AlarmDefinition } from './alarms/model';
import type { AlarmTransition } from './alarms/evaluator';

/**
 * The alarm ids (AlarmDefinition.id) a window mutes. A window without `checks` mutes every alarm of
 * the monitor but NotificationFailures (the channels, not an endpoint). A window that names checks mutes the alarms only those checks feed: their own
 * alarms (a fast check's Failing), the class alarms of an interval whose checks are all in the
 * window, and the certificate alarm of a host whose TLS checks all are. An alarm shared with a
 * check outside the window keeps its actions (muting it would hide that check's regressions); the
 * incident pipeline, which pages per check, honours the window exactly.
 */
export function mutedAlarmIds(window: MaintenanceWindow, config: Pick<MonitorConfig, 'checks'>, definitions: readonly AlarmDefinition[]): string[] {
  // NotificationFailures watches the channels, not an endpoint: a channel that fails inside a window
  // still needs fixing before the held pages go out, so no window mutes it.
  if (!window.checks) return definitions.filter((d) => d.class !== AlarmClass.NOTIFICATION_FAILURES).map((d) => d.id);
  const inWindow = new Set(window.checks);
  const all = (names: readonly string[]) => names.length > 0 && names.every((n) => inWindow.has(n));
  return definitions
    .filter((d) => {
      if (d.type === 'insights') {
        const interval = Number(d.select.where.Interval);
        return all(config.checks.filter((c) => c.intervalSeconds === interval).map((c) => c.name));
      }
      if ('check' in d && d.check) return inWindow.has(d.check);
      if (d.type === 'metric' && d.host) return all(config.checks.filter((c) => tlsHostOf(c) === d.host).map((c) => c.name));
      // Silent and RunnerDropped are about the runner, not an endpoint: never muted by a check's window.
      return false;
    })
    .map((d) => d.id);
}

/** A transition with what its actions did: ran, or were muted by a window. */
export interface ActedTransition extends AlarmTransition {
  /** Index in `config.maintenance` of the window that muted the actions; absent when they ran. */
  readonly mutedBy?: number;
  /** When that window's opening closes. */
  readonly mutedUntilMs?: number;
}

/**
 * Which alarm ids each window mutes, computed once: the evaluator's notifications go through
 * `muteTransitions(muting, transitions)`.
 */
export interface Muting {
  readonly windows: ReadonlyArray<{ readonly index: number; readonly window: MaintenanceWindow; readonly alarms: ReadonlySet<string> }>;
}

export function mutingOf(config: Pick<MonitorConfig, 'checks' | 'maintenance'>, definitions: readonly AlarmDefinition[]): Muting {
  return {
    windows: (config.maintenance ?? []).map((window, index) => ({ index, window, alarms: new Set(mutedAlarmIds(window, config, definitions)) })),
  };
}

/** Mark each transition whose actions an active window mutes (evaluation itself is unchanged). */
export function muteTransitions(muting: Muting, transitions: readonly AlarmTransition[]): ActedTransition[] {
  return transitions.map((t) => {
    for (const w of muting.windows) {
      if (!w.alarms.has(t.alarm)) continue;
      const open = openingAt(w.window, t.atMs);
      if (open) return { ...t, mutedBy: w.index, mutedUntilMs: open.endsMs };
    }
    return t;
  });
}
