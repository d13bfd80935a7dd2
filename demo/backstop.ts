/**
 * The backstop notifier in the demo (docs/DESIGN.md#backstop-deployment): each alarm-level state
 * change of the local evaluator becomes the "CloudWatch Alarm State Change" event CloudWatch would
 * send, goes through the monitor's rule pattern (lib/alarms/events.ts), and is handed to the
 * notifier's real `handle()` (lambda/backstop/) with the demo's backstop.json (lib/backstop-file.ts,
 * as the construct writes it), its dynalite table (the pipeline's incidents and the notifier's
 * delivery records) and its PagerDuty channel. What the channel receives is what the demo counts.
 */
import { randomUUID } from 'node:crypto';
import type { MonitorConfig } from '../contracts/config';
import { openingAt } from '../contracts/config/maintenance';
import type { Notification } from '../contracts/notification';
import type { AlarmStateChangeEvent } from '../lambda/backstop/event';
import { handle, type BackstopDeps } from '../lambda/backstop/notifier';
import type { IncidentStore } from '../lambda/incidents/store';
import type { Channel } from '../lambda/notify';
import type { AlarmDefinition } from '../lib/alarms/definitions';
import { alarmNameOf } from '../lib/alarms/deploy';
import { AlarmState } from '../lib/alarms/evaluator';
import { alarmStateChangePattern, matchesEventPattern } from '../lib/alarms/events';
import { backstopFile } from '../lib/backstop-file';
import type { FleetPlan } from '../lib/fleet/plan';
import type { ActedTransition } from '../lib/muting';

/** What the notifier did with one alarm transition, as the demo shows it. */
export interface BackstopPage {
  /** The alarm's definition id. */
  readonly alarm: string;
  readonly atMs: number;
  /** What the channel was sent (absent when held or suppressed). */
  readonly notification?: Notification;
  /** The notifier's outcome: forwarded, resolved, held, suppressed, ... */
  readonly outcome: string;
  /** The transition's reason (CloudWatch's StateReason), what a held page shows. */
  readonly reason: string;
  /** Held: the window (index in config.maintenance) and when its opening closes. */
  readonly mutedBy?: number;
  readonly mutedUntilMs?: number;
}

export interface DemoBackstop {
  /** Hand the minute's transitions to the notifier, in order; returns what it did with each the rule forwards. */
  onTransitions(transitions: readonly ActedTransition[]): Promise<BackstopPage[]>;
}

/** The demo's alarm names: `<monitor>-Monitor-<id>`, as a MonitorStack named `monitor` deploys them. */
const prefixOf = (monitor: string) => `${monitor}-Monitor`;

/** What the backstop needs of the walk: the deployed alarms. */
export interface BackstopSetup {
  readonly config: MonitorConfig;
  readonly plan: FleetPlan;
  readonly definitions: readonly AlarmDefinition[];
}

export function demoBackstop(
  o: BackstopSetup & { readonly monitor: string; readonly store: IncidentStore; readonly channels: readonly Channel[] },
): DemoBackstop {
  const prefix = prefixOf(o.monitor);
  const names = new Map(o.definitions.map((d) => [d.id, alarmNameOf(`${prefix}-${d.id}`)]));
  const file = backstopFile({ config: o.config, plan: o.plan, definitions: o.definitions, alarmNames: names, monitor: o.monitor });
  // The rule's pattern as it stands in the template (`detail-type`, not CDK's `detailType`).
  const { detailType, ...rest } = alarmStateChangePattern(prefix);
  const pattern = { ...rest, 'detail-type': detailType };
  /** When each alarm entered ALARM: a resolve's `previousState.timestamp`, the episode it ends. */
  const alarmSince = new Map<string, number>();
  const deps: Omit<BackstopDeps, 'now'> = {
    file,
    store: o.store,
    channels: o.channels,
    publishFailures: async () => undefined,
    log: () => undefined,
  };
  return {
    async onTransitions(transitions) {
      const out: BackstopPage[] = [];
      // Contributor changes are their own event type, which the rule does not match.
      for (const t of transitions.filter((x) => x.contributor === undefined)) {
        const name = names.get(t.alarm)!;
        const previousSince = t.from === AlarmState.ALARM ? (alarmSince.get(t.alarm) ?? t.atMs) : t.atMs;
        if (t.to === AlarmState.ALARM) alarmSince.set(t.alarm, t.atMs);
        const event: AlarmStateChangeEvent = {
          version: '0',
          id: randomUUID(),
          source: 'aws.cloudwatch',
          'detail-type': 'CloudWatch Alarm State Change',
          account: '123456789012',
          time: new Date(t.atMs).toISOString(),
          region: 'eu-west-1',
          resources: [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`],
          detail: {
            alarmName: name,
            state: { value: t.to, reason: t.reason, timestamp: new Date(t.atMs).toISOString() },
            previousState: { value: t.from, timestamp: new Date(previousSince).toISOString() },
          },
        };
        if (!matchesEventPattern(pattern, event)) continue;
        const report = await handle(event, deps);
        const held = report.outcome === 'held' ? heldBy(o.config, file.alarms[name]!.windows, t.atMs) : undefined;
        out.push({
          alarm: t.alarm,
          atMs: t.atMs,
          outcome: report.outcome,
          reason: t.reason,
          ...(report.notification && report.deliveries.length ? { notification: report.notification } : {}),
          ...(held ? { mutedBy: held.index, mutedUntilMs: held.endsMs } : {}),
        });
      }
      return out;
    },
  };
}

/** The window (of the alarm's) open at `atMs`, as the notifier decided it. */
function heldBy(config: MonitorConfig, windows: readonly number[], atMs: number): { index: number; endsMs: number } | undefined {
  for (const index of windows) {
    const open = openingAt(config.maintenance[index]!, atMs);
    if (open) return { index, endsMs: open.endsMs };
  }
  return undefined;
}
