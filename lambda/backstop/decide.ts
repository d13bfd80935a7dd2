/**
 * Whether an alarm's trigger pages (docs/DESIGN.md#incidents, Backstop): held by a maintenance
 * window, suppressed because the incident pipeline already paged the failure, or forwarded. Pure:
 * the caller reads the incident items and passes them in.
 */
import { ENDPOINT_ALARM_CLASSES, type BackstopAlarm, type BackstopFile } from '../../contracts/backstop';
import { incidentKey } from '../../contracts/incident-keys';
import { openingAt } from '../../contracts/maintenance-windows';
import { str, type Item } from '../incidents/store';

/** What the notifier does with an alarm's trigger. */
export type TriggerDecision =
  /** Inside one of the alarm's maintenance windows: recorded, not paged (and so never resolved). */
  | { readonly decision: 'hold'; readonly why: string }
  /** The pipeline already paged this failure: recorded, not paged. */
  | { readonly decision: 'suppress'; readonly why: string }
  /** Paged through every channel. */
  | { readonly decision: 'forward'; readonly why: string; readonly storeUnreachable?: boolean };

/**
 * The maintenance window that holds the alarm at `atMs` (the transition's time, so a retry decides
 * as the first attempt did): one of the windows the alarm's mute rules target (`alarm.windows`,
 * indices into `file.maintenance`), evaluated as the incident engine evaluates them
 * (contracts/maintenance-windows.ts, docs/DESIGN.md#maintenance-windows). The one that closes last.
 */
export function holdingWindow(
  file: Pick<BackstopFile, 'maintenance'>,
  alarm: BackstopAlarm,
  atMs: number,
): { index: number; endsAt: Date } | undefined {
  let best: { index: number; endsAt: Date } | undefined;
  for (const index of alarm.windows) {
    const window = file.maintenance?.[index];
    if (!window) continue;
    const open = openingAt(window, atMs);
    if (open && (!best || open.endsMs > best.endsAt.getTime())) best = { index, endsAt: new Date(open.endsMs) };
  }
  return best;
}

/**
 * The incident items that can cover the alarm: `i#endpoint#<host>` for each of its hosts, and for
 * Failing also `i#monitor#<host>` (an `error` result fails the check's Success, and the pipeline
 * already paged it as a monitor incident, severity warning). None for the classes the pipeline
 * cannot page (Silent, RunnerDropped, CertificateExpiring, NotificationFailures).
 */
export function coveringKeys(alarm: BackstopAlarm): string[] {
  if (!ENDPOINT_ALARM_CLASSES.includes(alarm.class)) return [];
  const hosts = [...new Set(alarm.hosts)].sort();
  return [...hosts.map((h) => incidentKey('endpoint', h)), ...(alarm.class === 'Failing' ? hosts.map((h) => incidentKey('monitor', h)) : [])];
}

/** An incident item as the notifier reads it (the engine's `state` and `doc.resolvedAt`, lambda/incidents/engine.ts). */
export interface IncidentView {
  readonly pk: string;
  readonly open: boolean;
  /** When it resolved (epoch ms), for a resolved one. */
  readonly resolvedAtMs?: number;
}

/** Read an incident item; undefined when it holds no incident. */
export function incidentView(pk: string, item: Item | undefined): IncidentView | undefined {
  const state = str(item, 'state');
  if (state === 'open') return { pk, open: true };
  if (state !== 'resolved') return undefined;
  let resolvedAtMs: number | undefined;
  try {
    const doc = JSON.parse(str(item, 'doc') ?? '{}') as { resolvedAt?: string };
    const ms = doc.resolvedAt ? Date.parse(doc.resolvedAt) : NaN;
    if (Number.isFinite(ms)) resolvedAtMs = ms;
  } catch {
    // An unreadable doc: a resolved incident of unknown time covers nothing.
  }
  return { pk, open: false, ...(resolvedAtMs !== undefined ? { resolvedAtMs } : {}) };
}

/**
 * The incident that covers the alarm's episode, if any: open (paged, or held by the pipeline's own
 * maintenance window: paging it here would break that window), or resolved less than `coverMs`
 * before the alarm entered ALARM (CloudWatch raises an alarm a period or more after the pipeline,
 * sometimes after the pipeline already paged and resolved the same failure).
 */
export function coveringIncident(alarm: BackstopAlarm, items: ReadonlyMap<string, Item>, alarmSinceMs: number): IncidentView | undefined {
  for (const pk of coveringKeys(alarm)) {
    const view = incidentView(pk, items.get(pk));
    if (!view) continue;
    if (view.open) return view;
    if (view.resolvedAtMs !== undefined && alarmSinceMs - view.resolvedAtMs < alarm.coverMs) return view;
  }
  return undefined;
}

/**
 * The decision for a trigger. `incidents` is what the store returned for coveringKeys(alarm), or
 * 'unreachable' when it could not be read: then the alarm is forwarded (a page that may duplicate
 * the pipeline's beats none while the store is down; the outage is then the incident).
 */
export function decideTrigger(input: {
  readonly file: Pick<BackstopFile, 'maintenance'>;
  readonly alarm: BackstopAlarm;
  readonly atMs: number;
  readonly alarmSinceMs: number;
  readonly incidents: ReadonlyMap<string, Item> | 'unreachable';
}): TriggerDecision {
  const { alarm } = input;
  const window = holdingWindow(input.file, alarm, input.atMs);
  if (window) return { decision: 'hold', why: `maintenance window ${window.index} is open until ${window.endsAt.toISOString()}` };
  if (!ENDPOINT_ALARM_CLASSES.includes(alarm.class)) return { decision: 'forward', why: `${alarm.class} is not paged by the incident pipeline` };
  if (input.incidents === 'unreachable') return { decision: 'forward', why: 'the incident store could not be read', storeUnreachable: true };
  const covering = coveringIncident(alarm, input.incidents, input.alarmSinceMs);
  if (!covering) return { decision: 'forward', why: `no incident on ${alarm.hosts.length} host(s) covers it` };
  return {
    decision: 'suppress',
    why: covering.open
      ? `incident ${covering.pk} is open: the pipeline paged it`
      : `incident ${covering.pk} resolved at ${new Date(covering.resolvedAtMs!).toISOString()}, within ${alarm.coverMs} ms of the alarm`,
  };
}
