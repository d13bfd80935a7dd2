/**
 * The transition table of one host's incident of one kind (docs/DESIGN.md#incidents): from the
 * incident as read and the checks' states after this run, the next incident item and the
 * notification it owes, or nothing when nothing changes (no write). Pure: the engine writes the
 * result conditionally and decides again on a conflict.
 *
 * - No incident open, a quorum failing: open it (`trigger`).
 * - Open, a check's outcome, cause or status changed: `update` when a new cause (or outcome)
 *   appears; a check failing the same way joins silently, a recovered one leaves silently.
 * - Open, every check recovered at quorum: `resolve`.
 * - Maintenance windows (docs/DESIGN.md#maintenance-windows): an incident whose failing checks are
 *   all in a window when it opens is recorded but not paged; its trigger is held (updates too) until
 *   a run finds one of its open checks outside every window, normally the first run after the
 *   window's end, which sends the trigger once with the incident as it is then. An incident that
 *   resolves before that sends nothing. An incident that paged before a window keeps updating and
 *   resolving as usual (holding back its resolve would leave the page open at the receiver).
 */
import type { Notification, NotificationAction } from '../../contracts/notification';
import { inMaintenance, type MaintenanceWindow } from '../../contracts/maintenance-windows';
import { buildNotification, incidentId, type IncidentCheck, type IncidentDoc } from './page';
import type { CheckView, IncidentItem, Kind, OutboxEntry, Run } from './items';

/** What deciding needs from the engine's options. */
export interface DecideSettings {
  /** The monitor's name (dedup keys, notifications). */
  readonly monitor: string;
  /** This runner's location label (its own verdict is the one reported). */
  readonly location: string;
  /** Locations that must agree. */
  readonly quorum: number;
  /** The channels a notification is owed to, by id. */
  readonly channels: readonly { readonly id: string }[];
  readonly links?: Notification['links'];
  readonly maintenance?: readonly MaintenanceWindow[];
}

/** One decision's input: the incident as read and the checks of its host after this run. */
export interface DecideInput {
  readonly kind: Kind;
  readonly host: string;
  readonly group: readonly CheckView[];
  readonly current: IncidentItem;
  readonly run: Run;
  /** The clock when deciding (epoch ms): leases that ran out before it are taken over. */
  readonly now: number;
}

/** The next state of an incident item, the action it takes and the notification it queues. */
export interface Decision {
  readonly item: IncidentItem;
  readonly action?: NotificationAction;
  readonly notification?: Notification;
  /** The action is recorded but not sent (a maintenance window, or a resolve that never paged). */
  readonly held?: boolean;
}

/** What one decision works from, derived once. */
interface Situation extends DecideInput {
  readonly s: DecideSettings;
  /** The run's time, ISO. */
  readonly at: string;
  /** Checks failing at quorum for this kind. */
  readonly failing: readonly CheckView[];
  /** Checks recovered at quorum for this kind. */
  readonly recovered: ReadonlySet<string>;
  /** The outbox with the leases that ran out taken over by this run. */
  readonly out: readonly OutboxEntry[];
  /** Whether this run took over a lease (then the item is written even when nothing else changes). */
  readonly claimed: boolean;
}

/** A transition's result before its notification is queued. */
interface Transition {
  readonly doc: IncidentDoc | undefined;
  readonly state: IncidentItem['state'];
  readonly gen: number;
  readonly action?: NotificationAction | undefined;
  /** The incident before an update or resolve (the notification says what changed). */
  readonly last?: IncidentDoc | undefined;
  readonly paged: boolean;
  readonly held: boolean;
}

/** The next state of an incident item, or undefined when nothing changes (no write). */
export function decide(s: DecideSettings, input: DecideInput): Decision | undefined {
  const { current, run, kind, group } = input;
  // Leases that ran out (a runner died, or its delivery failed) are taken over by this run.
  const out = current.out.map((e) => (e.lease < input.now ? { ...e, lease: run.deadline, by: run.id } : e));
  const situation: Situation = {
    ...input,
    s,
    at: new Date(run.at).toISOString(),
    failing: group.filter((v) => v.failing[kind].length >= s.quorum),
    recovered: new Set(group.filter((v) => v.recovered[kind] >= s.quorum).map((v) => v.name)),
    out,
    claimed: out.some((e, i) => e.lease !== current.out[i]!.lease),
  };
  const next = current.state !== 'open' ? opening(situation) : changing(situation);
  if (!next) return situation.claimed ? { item: { ...current, ver: current.ver + 1, out } } : undefined;
  return queued(situation, next);
}

/** Whether every one of `checks` is inside a maintenance window at the run's time. */
function muted(x: Situation, checks: readonly string[]): boolean {
  const windows = x.s.maintenance ?? [];
  return windows.length > 0 && checks.length > 0 && checks.every((c) => inMaintenance({ maintenance: windows }, c, new Date(x.run.at)));
}

/** A check as the incident reports it: this location's verdict when it fails, else the latest failing one. */
function checkOf(x: Situation, v: CheckView): IncidentCheck {
  const failing = v.failing[x.kind];
  const f = failing.find((y) => y.loc === x.s.location) ?? [...failing].sort((a, b) => b.v.at.localeCompare(a.v.at))[0]!;
  const since = Math.min(...failing.map((y) => y.since));
  return {
    outcome: f.v.o,
    ...(f.v.c ? { cause: f.v.c } : {}),
    ...(f.v.s !== undefined ? { status: f.v.s } : {}),
    ...(f.v.k !== undefined ? { closeCode: f.v.k } : {}),
    message: f.v.m,
    fix: f.v.f,
    ...(f.v.e ? { evidence: f.v.e } : {}),
    locations: v.locations,
    firstFailureAt: new Date(since).toISOString(),
  };
}

/** No incident open: a quorum failing opens one (held back when all its checks are in a window). */
function opening(x: Situation): Transition | undefined {
  if (!x.failing.length) return undefined;
  const gen = x.current.gen + 1;
  const checks = Object.fromEntries(x.failing.map((v) => [v.name, checkOf(x, v)]));
  const firstFailureAt = Object.values(checks)
    .map((c) => c.firstFailureAt)
    .sort()[0]!;
  const doc: IncidentDoc = {
    id: incidentId(x.kind, x.host, x.run.at),
    gen,
    kind: x.kind,
    host: x.host,
    openedAt: x.at,
    checks,
    members: Object.keys(checks).sort(),
    firstFailureAt,
  };
  const paged = !muted(x, Object.keys(checks));
  return { doc, state: 'open', gen, action: 'trigger', paged, held: !paged };
}

/** The outcomes and causes of an incident's checks, as a sorted comma-separated set. */
function signature(checks: Readonly<Record<string, IncidentCheck>>): string {
  return [...new Set(Object.values(checks).map((c) => `${c.outcome}/${c.cause ?? ''}`))].sort().join(',');
}

/** The open checks after this run: changed ones replaced (keeping their first failure), recovered ones removed. */
function merged(x: Situation, doc: IncidentDoc): { open: Record<string, IncidentCheck>; members: Set<string>; changed: boolean } {
  const open = { ...doc.checks };
  const members = new Set(doc.members);
  let changed = false;
  for (const v of x.failing) {
    const was = open[v.name];
    const now = checkOf(x, v);
    if (!was || was.outcome !== now.outcome || was.cause !== now.cause || was.status !== now.status) {
      open[v.name] = was ? { ...now, firstFailureAt: was.firstFailureAt } : now;
      members.add(v.name);
      changed = true;
    }
  }
  for (const name of Object.keys(open)) {
    if (x.recovered.has(name) && !x.failing.some((v) => v.name === name)) {
      delete open[name];
      changed = true;
    }
  }
  return { open, members, changed };
}

/** An open incident: its checks changed (update or resolve), or its held trigger is due. */
function changing(x: Situation): Transition | undefined {
  const { current } = x;
  const doc = current.doc!;
  const { open, members, changed } = merged(x, doc);
  const unchanged: Transition = { doc, state: current.state, gen: current.gen, paged: current.paged, held: false };
  if (!changed) {
    if (current.paged || muted(x, Object.keys(open))) return undefined;
    // The window is over and the incident is still open: its held trigger goes out now, once.
    return { ...unchanged, action: 'trigger', paged: true };
  }
  if (!Object.keys(open).length) {
    // The resolve keeps the checks as they last failed (it names them all). An incident that never
    // paged resolves without a word.
    const resolved = { ...doc, members: [...members].sort(), resolvedAt: x.at };
    return { ...unchanged, doc: resolved, state: 'resolved', action: 'resolve', last: doc, held: !current.paged };
  }
  const updated = { ...doc, checks: open, members: [...members].sort() };
  if (!current.paged) {
    // Still held: record silently while every open check is in a window, else the first page.
    if (muted(x, Object.keys(open))) return { ...unchanged, doc: updated };
    return { ...unchanged, doc: updated, action: 'trigger', paged: true };
  }
  // A new cause (or outcome) is news; one more check failing the same way joins silently, and
  // a check that recovered while others still fail leaves silently (the resolve names all).
  const before = signature(doc.checks).split(',');
  const isNews = signature(open)
    .split(',')
    .some((sig) => !before.includes(sig));
  return { ...unchanged, doc: updated, last: doc, ...(isNews ? { action: 'update' as const } : {}) };
}

/** The transition as the next item, with its notification queued on the outbox unless held. */
function queued(x: Situation, t: Transition): Decision {
  const { current, run } = x;
  let out = x.out;
  let notification: Notification | undefined;
  if (t.action && !t.held) {
    notification = buildNotification({
      action: t.action,
      monitor: x.s.monitor,
      doc: t.doc!,
      ...(t.last ? { last: t.last } : {}),
      at: x.at,
      ...(x.s.links ? { links: x.s.links } : {}),
    });
    const entry: OutboxEntry = {
      id: `${current.gen}.${current.ver + 1}`,
      n: notification,
      to: x.s.channels.map((c) => c.id),
      lease: run.deadline,
      by: run.id,
      tries: 0,
    };
    out = [...out, entry].filter((e) => e.to.length);
  }
  return {
    item: { ver: current.ver + 1, gen: t.gen, state: t.state, ...(t.doc ? { doc: t.doc } : {}), out, paged: t.paged },
    ...(t.action ? { action: t.action } : {}),
    ...(notification ? { notification } : {}),
    ...(t.held ? { held: t.held } : {}),
  };
}
