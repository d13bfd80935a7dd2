/**
 * The incident engine (docs/DESIGN.md#incidents): after each run, every location records its
 * verdicts; an incident opens when a quorum of locations fail within the window, updates when the
 * cause changes, resolves after `resolveAfterRuns` passing runs at quorum. Exactly one writer wins
 * each transition (conditional writes on a version), and the notification it sends is written in the
 * same conditional write (an outbox on the incident item), so a page that could not be sent, or a
 * runner that died after the write, is delivered by the next run.
 *
 * Items (one table, partition key `pk`):
 * - `run#<shard>#<location>#<scheduled time>`: a run claim (duplicate Lambda deliveries).
 * - `c#<check>`: the check's verdicts, one set of attributes per location
 *   (`v:<loc>` verdict JSON, `r:<loc>` run time, `u:<loc>` the time the verdict stops counting,
 *   `p:<loc>` passing streak, `q:<loc>` non-error streak, `f:<loc>` first failure of the current
 *   failing streak).
 *
 * Write only a changed verdict (docs/DESIGN.md#incidents): a run first reads the check's item
 * (strongly consistent, 1 RRU up to 4 KB); when this location's stored verdict has the same outcome,
 * cause, status and close code, its streaks are saturated (they no longer change a decision) and its
 * `u:<loc>` still covers this run's window, the run writes nothing and decides on what it read. A
 * changed verdict counts for one window (`u = run + window`, the quorum window as before); a steady
 * one is refreshed with `u = run + window + STEADY_EXTENSION` windows, so the next runs inside that
 * extension only read. A steady location that falls silent therefore counts at most one window longer
 * than a changing one; a new failure, a change of cause and every streak step are still written at
 * once, so opening, updating and resolving are as fast as before.
 * - `i#<kind>#<host>`: the host's incident of a kind (`endpoint` or `monitor`): `ver`, `gen`,
 *   `state` (open | resolved), `doc` (IncidentDoc JSON), `out` (the outbox JSON), `paged` (0 while
 *   its trigger is held back by a maintenance window; absent on items written before windows).
 *
 * Maintenance windows (docs/DESIGN.md#maintenance-windows): an incident whose failing checks are all
 * in a window when it opens is recorded but not paged; its trigger is held (updates too) until a run
 * finds one of its open checks outside every window, normally the first run after the window's end,
 * which sends the trigger once with the incident as it is then. An incident that resolves before
 * that sends nothing. An incident that paged before a window keeps updating and resolving as usual
 * (holding back its resolve would leave the page open at the receiver).
 */
import { randomUUID } from 'node:crypto';
import type { Channel } from './channel';
import type { CheckResult } from '../../contracts/result';
import type { Delivery, IncidentKind, LocationVerdict, Notification, NotificationAction } from '../../contracts/notification';
import { Outcome, OUTCOME_RUNBOOK, CAUSE_GUIDE, isOutcome, type Cause } from '../../contracts/outcomes';
import { buildNotification, clip, incidentId, PAGE_EXCERPT_CHARS, type IncidentCheck, type IncidentDoc } from './page';
import { IncidentStore, num, str, type Item } from './store';
import { inMaintenance, type MaintenanceWindow } from '../../contracts/maintenance-windows';
import { HOST_INCIDENT_KINDS, hostOf, incidentKey, type HostIncidentKind } from '../../contracts/incident-keys';

/**
 * How long an item outlives its last write (DynamoDB TTL: "TTL compares the current time in epoch
 * time format to the time stored in the TTL attribute of an item. If the epoch time value stored in
 * the attribute is less than the current time, the item is marked as expired and subsequently
 * deleted." and "DynamoDB typically deletes expired items within two days of expiration",
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html).
 * Expiry is housekeeping only: every decision reads times, never the absence of an item.
 */
export const TTL_SECONDS = { run: 86_400, check: 7 * 86_400, incident: 30 * 86_400 } as const;
/** The TTL attribute the table enables (lib/incidents.ts). */
export const TTL_ATTRIBUTE = 'ttl';

/** Conditional-write retries per incident item per run (each loser re-reads and recomputes). */
const MAX_WRITE_ROUNDS = 6;

/** Where the engine's decisions and failures go (one JSON line each). */
export type LogLine = (line: string) => void;

export interface IncidentEngineOptions {
  readonly store: IncidentStore;
  /** The monitor's name (dedup keys, notifications). */
  readonly monitor: string;
  /** This runner's location label. */
  readonly location: string;
  /** Locations that must agree. */
  readonly quorum: number;
  /** Passing runs at quorum before a resolve. */
  readonly resolveAfterRuns: number;
  readonly channels: readonly Channel[];
  readonly links?: Notification['links'];
  /** The configuration's maintenance windows: pages held back inside them. @default - none */
  readonly maintenance?: readonly MaintenanceWindow[];
  readonly log?: LogLine;
  /** Clock (epoch ms). @default Date.now */
  readonly now?: () => number;
}

/** What one run of the engine did. */
export interface IncidentReport {
  /** Verdicts recorded (a late or duplicate one is refused and not counted). */
  readonly recorded: number;
  /** Notifications this runner won and (tried to) deliver. */
  readonly notifications: readonly Notification[];
  readonly deliveries: readonly Delivery[];
  /** Failed deliveries per channel (the NotificationFailures metric). */
  readonly failures: Readonly<Record<string, number>>;
  /** Entries still waiting in outboxes this run touched. */
  readonly pending: number;
  /** Store or engine errors (the run's results are still published). */
  readonly errors: readonly string[];
}

/** The run the results belong to. */
export interface RunContext {
  /** The run's (tick's) time, epoch ms: the verdicts' order and window. */
  readonly at: number;
  /** Interval of each check, seconds (the window). */
  readonly intervals: ReadonlyMap<string, number>;
  /** Deadline for everything (epoch ms): store calls and deliveries stop starting after it. */
  readonly deadline: number;
}

/**
 * The window a location's verdict counts in: two intervals back from the run (its own last run and
 * the one before, which absorbs the skew between locations' schedules and a confirmation retry).
 */
export function windowMs(intervalSeconds: number): number {
  return 2 * intervalSeconds * 1000;
}

/**
 * How much longer a steady verdict (unchanged, streaks saturated) counts when it is refreshed, in
 * windows: with 1, a steady check writes one run in three (a window is two intervals) and reads the
 * other two.
 */
export const STEADY_EXTENSION = 1;

interface StoredVerdict {
  readonly o: Outcome;
  readonly c?: Cause;
  readonly s?: number;
  readonly k?: number;
  readonly m: string;
  readonly f: string;
  readonly e?: Record<string, string | number>;
  /** The reported attempt's start (ISO). */
  readonly at: string;
}

/** The fix a result carries (the probe's message builder), else the taxonomy's. */
export function fixOf(result: Pick<CheckResult, 'fix' | 'outcome' | 'cause'>): string {
  return result.fix ?? (result.cause ? CAUSE_GUIDE[result.cause].check : OUTCOME_RUNBOOK[result.outcome].check);
}

/** The message without its `; check: <fix>` tail, when the fix is exactly that tail (the builder's shape). */
function messageOnly(message: string, fix: string): string {
  const tail = `; check: ${fix}`;
  return message.endsWith(tail) ? message.slice(0, -tail.length) : message;
}

function evidenceOf(result: CheckResult): Record<string, string | number> | undefined {
  const e: Record<string, string | number> = {};
  if (result.status !== undefined) e.status = result.status;
  if (result.closeCode !== undefined) e.closeCode = result.closeCode;
  if (result.evidence?.errorCode) e.errorCode = result.evidence.errorCode;
  if (result.evidence?.bodyExcerpt) e.excerpt = clip(result.evidence.bodyExcerpt, PAGE_EXCERPT_CHARS);
  for (const [name, value] of Object.entries(result.evidence?.headers ?? {})) e[`header.${name}`] = clip(value, 200);
  return Object.keys(e).length ? e : undefined;
}

export { hostOf };

/** A check's state across locations after this run's verdict. */
interface CheckView {
  readonly name: string;
  readonly host: string;
  /** Fresh failing locations by kind, with their verdicts. */
  readonly failing: Readonly<Record<'endpoint' | 'monitor', readonly { loc: string; v: StoredVerdict; since: number }[]>>;
  /** Locations whose fresh verdicts passed enough runs in a row, by kind. */
  readonly recovered: Readonly<Record<'endpoint' | 'monitor', number>>;
  readonly locations: readonly LocationVerdict[];
}

type Kind = HostIncidentKind;
const KINDS: readonly Kind[] = HOST_INCIDENT_KINDS;

/** One outbox entry: a notification still owed to some channels, in order. */
interface OutboxEntry {
  /** `<gen>.<seq>`: unique on the item. */
  readonly id: string;
  readonly n: Notification;
  /** Channel ids it is still owed to. */
  readonly to: readonly string[];
  /** Runner holding it until this time (epoch ms); 0 when free. */
  readonly lease: number;
  /** Which run holds the lease. */
  readonly by?: string;
  readonly tries: number;
}

interface IncidentItem {
  readonly ver: number;
  readonly gen: number;
  readonly state: 'open' | 'resolved' | 'none';
  readonly doc?: IncidentDoc;
  readonly out: readonly OutboxEntry[];
  /** False while an open incident's trigger is held back by a maintenance window. */
  readonly paged: boolean;
}

function parseIncident(item: Item | undefined): IncidentItem {
  if (!item || !item.ver) return { ver: 0, gen: 0, state: 'none', out: [], paged: true };
  const doc = str(item, 'doc');
  const out = str(item, 'out');
  return {
    ver: num(item, 'ver') ?? 0,
    gen: num(item, 'gen') ?? 0,
    state: str(item, 'state') === 'open' ? 'open' : 'resolved',
    ...(doc ? { doc: JSON.parse(doc) as IncidentDoc } : {}),
    out: out ? (JSON.parse(out) as OutboxEntry[]) : [],
    paged: num(item, 'paged') !== 0,
  };
}

/** The engine: one per runner container (or CLI run). */
export class IncidentEngine {
  private readonly now: () => number;
  private readonly log: LogLine;

  constructor(private readonly o: IncidentEngineOptions) {
    this.now = o.now ?? Date.now;
    this.log = o.log ?? ((line) => void process.stdout.write(`${line}\n`));
  }

  /**
   * Claim a scheduled run (Lambda may deliver an event twice: "it's possible for it to receive the
   * same event from Lambda multiple times", https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html):
   * false when another invocation already claimed it, so this one must not probe or publish.
   */
  async claimRun(run: { shard: string; location: string; scheduledTime: string }): Promise<boolean> {
    return this.o.store.putNew({
      pk: { S: `run#${run.shard}#${run.location}#${run.scheduledTime}` },
      [TTL_ATTRIBUTE]: { N: String(Math.floor(this.now() / 1000) + TTL_SECONDS.run) },
    });
  }

  /** Record a run's results and open, update or resolve incidents; never throws (errors are reported). */
  async record(results: readonly CheckResult[], context: RunContext): Promise<IncidentReport> {
    const run = { ...context, id: `${this.o.location}/${randomUUID()}` };
    const errors: string[] = [];
    const notifications: Notification[] = [];
    const deliveries: Delivery[] = [];
    const failures: Record<string, number> = {};
    let pending = 0;
    let recorded = 0;
    try {
      // 1. Verdicts, one conditional update per check (a late or duplicate run is refused).
      const views: CheckView[] = [];
      await inBatches(results, 16, async (result) => {
        const interval = run.intervals.get(result.check);
        if (interval === undefined) return;
        try {
          const view = await this.recordVerdict(result, run.at, interval);
          if (view) {
            views.push(view);
            recorded++;
          }
        } catch (err) {
          errors.push(`recording the verdict of ${result.check}: ${describe(err)}`);
        }
      });
      // 2. The incident items of every host this run saw, both kinds, in one read.
      const hosts = [...new Set(results.map((r) => hostOf(r.url)))];
      const keys = hosts.flatMap((h) => KINDS.map((k) => incidentKey(k, h)));
      const items = keys.length ? await this.o.store.getMany(keys) : new Map<string, Item>();
      // 3. Each host's incidents: transitions, then the outbox.
      await inBatches(keys, 8, async (pk) => {
        const [, kind, host] = pk.split('#', 3) as [string, Kind, string];
        const group = views.filter((v) => v.host === host);
        try {
          const outcome = await this.reconcile(pk, kind, host, group, items.get(pk), run);
          notifications.push(...outcome.sent);
          deliveries.push(...outcome.deliveries);
          for (const d of outcome.deliveries) if (!d.ok) failures[d.channel] = (failures[d.channel] ?? 0) + 1;
          pending += outcome.pending;
        } catch (err) {
          errors.push(`the incident of ${host} (${kind}): ${describe(err)}`);
        }
      });
    } catch (err) {
      errors.push(describe(err));
    }
    for (const e of errors)
      this.log(JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', msg: 'incident engine', location: this.o.location, error: e }));
    return { recorded, notifications, deliveries, failures, pending, errors };
  }

  private async recordVerdict(result: CheckResult, runAt: number, interval: number): Promise<CheckView | undefined> {
    const loc = this.o.location;
    const fix = fixOf(result);
    const verdict: StoredVerdict = {
      o: result.outcome,
      ...(result.cause ? { c: result.cause } : {}),
      ...(result.status !== undefined ? { s: result.status } : {}),
      ...(result.closeCode !== undefined ? { k: result.closeCode } : {}),
      m: clip(messageOnly(result.message, fix), 1500),
      f: clip(fix, 800),
      ...(evidenceOf(result) ? { e: evidenceOf(result)! } : {}),
      at: result.startedAt,
    };
    const ok = result.outcome === Outcome.OK;
    const isError = result.outcome === Outcome.ERROR;
    const pk = `c#${result.check}`;
    const window = windowMs(interval);
    // Read first: an unchanged, saturated verdict whose stored validity covers this run is not written.
    const stored = await this.o.store.get(pk);
    let steady = false;
    if (stored) {
      const r = num(stored, `r:${loc}`);
      // A late or duplicate run of this location changes nothing (the write's condition says the same).
      if (r !== undefined && r >= runAt) return undefined;
      const raw = str(stored, `v:${loc}`);
      const before = raw ? (JSON.parse(raw) as StoredVerdict) : undefined;
      const p = num(stored, `p:${loc}`) ?? 0;
      const q = num(stored, `q:${loc}`) ?? 0;
      const saturated = ok
        ? p >= this.o.resolveAfterRuns && q >= this.o.resolveAfterRuns
        : p === 0 && (isError ? q === 0 : q >= this.o.resolveAfterRuns) && num(stored, `f:${loc}`) !== undefined;
      steady = !!before && before.o === verdict.o && before.c === verdict.c && before.s === verdict.s && before.k === verdict.k && saturated;
      const until = num(stored, `u:${loc}`) ?? (r ?? 0) + window;
      if (steady && until >= runAt + window) return this.view(result.check, hostOf(result.url), stored, runAt, interval);
    }
    const names = {
      '#v': `v:${loc}`,
      '#r': `r:${loc}`,
      '#u': `u:${loc}`,
      '#p': `p:${loc}`,
      '#q': `q:${loc}`,
      '#f': `f:${loc}`,
      '#h': 'host',
      '#t': TTL_ATTRIBUTE,
    };
    const set = [
      '#v = :v',
      '#r = :r',
      '#u = :u',
      '#h = :h',
      '#t = :t',
      ok ? '#p = if_not_exists(#p, :zero) + :one' : '#p = :zero',
      isError ? '#q = :zero' : '#q = if_not_exists(#q, :zero) + :one',
      ...(ok ? [] : ['#f = if_not_exists(#f, :r)']),
    ].join(', ');
    const item = await this.o.store.update({
      pk,
      set,
      ...(ok ? { remove: '#f' } : {}),
      // Only a newer run of this location may write: a duplicate or late retry changes nothing.
      condition: 'attribute_not_exists(#r) OR #r < :r',
      names,
      values: {
        ':v': { S: JSON.stringify(verdict) },
        ':r': { N: String(runAt) },
        ':u': { N: String(runAt + window + (steady ? STEADY_EXTENSION * window : 0)) },
        ':h': { S: hostOf(result.url) },
        ':t': { N: String(Math.floor(this.now() / 1000) + TTL_SECONDS.check) },
        ':zero': { N: '0' },
        // DynamoDB refuses a value the expressions do not use; an error run increments no streak.
        ...(isError ? {} : { ':one': { N: '1' } }),
      },
    });
    if (!item) return undefined;
    return this.view(result.check, hostOf(result.url), item, runAt, interval);
  }

  /** Read every location's verdict off the check item. */
  private view(name: string, host: string, item: Item, runAt: number, interval: number): CheckView {
    const failing: Record<Kind, { loc: string; v: StoredVerdict; since: number }[]> = { endpoint: [], monitor: [] };
    const recovered: Record<Kind, number> = { endpoint: 0, monitor: 0 };
    const locations: LocationVerdict[] = [];
    for (const attr of Object.keys(item)) {
      if (!attr.startsWith('r:')) continue;
      const loc = attr.slice(2);
      const r = num(item, attr) ?? 0;
      // A silent location's verdict ages out of the window (or a steady verdict's extension): it
      // neither blocks nor counts. Items written before `u:` existed count one window from the run.
      if ((num(item, `u:${loc}`) ?? r + windowMs(interval)) <= runAt) continue;
      const raw = str(item, `v:${loc}`);
      if (!raw) continue;
      const v = JSON.parse(raw) as StoredVerdict;
      if (!isOutcome(v.o)) continue;
      locations.push({ location: loc, outcome: v.o, ...(v.c ? { cause: v.c } : {}), ...(v.s !== undefined ? { status: v.s } : {}), at: v.at });
      const since = num(item, `f:${loc}`) ?? r;
      if (v.o === Outcome.ERROR) failing.monitor.push({ loc, v, since });
      else if (v.o !== Outcome.OK) failing.endpoint.push({ loc, v, since });
      if ((num(item, `p:${loc}`) ?? 0) >= this.o.resolveAfterRuns) recovered.endpoint++;
      if ((num(item, `q:${loc}`) ?? 0) >= this.o.resolveAfterRuns) recovered.monitor++;
    }
    locations.sort((a, b) => a.location.localeCompare(b.location));
    return { name, host, failing, recovered, locations };
  }

  /** One host's incident of one kind: decide, write (conditionally, retried on conflict), deliver. */
  private async reconcile(
    pk: string,
    kind: Kind,
    host: string,
    group: readonly CheckView[],
    first: Item | undefined,
    run: RunContext & { id: string },
  ): Promise<{ sent: Notification[]; deliveries: Delivery[]; pending: number }> {
    let current = parseIncident(first);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      if (this.now() > run.deadline) throw new Error('out of time before the incident write');
      const next = this.decide(kind, host, group, current, run);
      if (!next) return { sent: [], deliveries: [], pending: current.out.length };
      const written = await this.o.store.putVersioned(this.toItem(pk, next.item), current.ver);
      if (!written) {
        // Another location (or shard) wrote first: read what it wrote and decide again on it.
        current = parseIncident(await this.o.store.get(pk));
        continue;
      }
      if (next.action) {
        this.log(
          JSON.stringify({
            timestamp: new Date().toISOString(),
            level: 'WARN',
            msg: `incident ${next.action}${next.held ? (next.action === 'trigger' ? ' held back by a maintenance window' : ' without a page (never paged)') : ''}`,
            location: this.o.location,
            incident: next.item.doc?.id,
            checks: next.notification?.checks,
            summary: next.notification?.summary,
          }),
        );
      }
      const mine = next.item.out.filter((e) => e.by === run.id && e.lease === run.deadline);
      const { deliveries, delivered } = await this.deliver(mine, run.deadline);
      const pendingAfter = await this.settle(pk, next.item, delivered);
      return { sent: next.notification ? [next.notification] : [], deliveries, pending: pendingAfter };
    }
    throw new Error(`gave up after ${MAX_WRITE_ROUNDS} conflicting writes`);
  }

  /** The next state of an incident item, or undefined when nothing changes (no write). */
  private decide(
    kind: Kind,
    host: string,
    group: readonly CheckView[],
    current: IncidentItem,
    run: RunContext & { id: string },
  ): { item: IncidentItem; action?: NotificationAction; notification?: Notification; held?: boolean } | undefined {
    const now = this.now();
    const at = new Date(run.at).toISOString();
    const failing = group.filter((v) => v.failing[kind].length >= this.o.quorum);
    const recovered = new Set(group.filter((v) => v.recovered[kind] >= this.o.quorum).map((v) => v.name));
    const checkOf = (v: CheckView): IncidentCheck => {
      // The reported verdict: this location's when it fails, else the latest failing one.
      const f = v.failing[kind].find((x) => x.loc === this.o.location) ?? [...v.failing[kind]].sort((a, b) => b.v.at.localeCompare(a.v.at))[0]!;
      const since = Math.min(...v.failing[kind].map((x) => x.since));
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
    };
    // Leases that ran out (a runner died, or its delivery failed) are taken over by this run.
    let out = current.out.map((e) => (e.lease < now ? { ...e, lease: run.deadline, by: run.id } : e));
    const claimed = out.some((e, i) => e.lease !== current.out[i]!.lease);
    const seq = () => `${current.gen}.${current.ver + 1}`;

    let doc = current.doc;
    let state = current.state;
    let gen = current.gen;
    let action: NotificationAction | undefined;
    let last: IncidentDoc | undefined;
    let changed = false;
    let paged = current.paged;
    // Recorded but not sent (a maintenance window): the action is logged, no notification queued.
    let held = false;
    const windows = this.o.maintenance ?? [];
    const muted = (checks: readonly string[]) =>
      windows.length > 0 && checks.length > 0 && checks.every((c) => inMaintenance({ maintenance: windows }, c, new Date(run.at)));

    if (state !== 'open') {
      if (!failing.length) return claimed ? { item: { ...current, ver: current.ver + 1, out } } : undefined;
      gen = current.gen + 1;
      const checks = Object.fromEntries(failing.map((v) => [v.name, checkOf(v)]));
      const firstFailureAt = Object.values(checks)
        .map((c) => c.firstFailureAt)
        .sort()[0]!;
      doc = { id: incidentId(kind, host, run.at), gen, kind, host, openedAt: at, checks, members: Object.keys(checks).sort(), firstFailureAt };
      state = 'open';
      action = 'trigger';
      paged = !muted(Object.keys(checks));
      held = !paged;
    } else {
      const open = { ...doc!.checks };
      const members = new Set(doc!.members);
      const signature = (c: Readonly<Record<string, IncidentCheck>>) =>
        [...new Set(Object.values(c).map((x) => `${x.outcome}/${x.cause ?? ''}`))].sort().join(',');
      const before = signature(open);
      for (const v of failing) {
        const was = open[v.name];
        const now = checkOf(v);
        if (!was || was.outcome !== now.outcome || was.cause !== now.cause || was.status !== now.status) {
          open[v.name] = was ? { ...now, firstFailureAt: was.firstFailureAt } : now;
          members.add(v.name);
          changed = true;
        }
      }
      for (const name of Object.keys(open)) {
        if (recovered.has(name) && !failing.some((v) => v.name === name)) {
          delete open[name];
          changed = true;
        }
      }
      if (!changed) {
        if (current.paged || muted(Object.keys(open))) return claimed ? { item: { ...current, ver: current.ver + 1, out } } : undefined;
        // The window is over and the incident is still open: its held trigger goes out now, once.
        action = 'trigger';
        paged = true;
      } else {
        last = doc!;
        if (!Object.keys(open).length) {
          doc = { ...doc!, checks: last.checks, members: [...members].sort(), resolvedAt: at };
          state = 'resolved';
          action = 'resolve';
          // An incident that never paged resolves without a word.
          held = !current.paged;
        } else {
          doc = { ...doc!, checks: open, members: [...members].sort() };
          // A new cause (or outcome) is news; one more check failing the same way joins silently, and
          // a check that recovered while others still fail leaves silently (the resolve names all).
          if (
            signature(open)
              .split(',')
              .some((s) => !before.split(',').includes(s))
          )
            action = 'update';
          if (!current.paged) {
            // Still held: record silently while every open check is in a window, else the first page.
            last = undefined;
            if (muted(Object.keys(open))) action = undefined;
            else {
              action = 'trigger';
              paged = true;
            }
          }
        }
      }
    }
    let notification: Notification | undefined;
    if (action && !held) {
      notification = buildNotification({
        action,
        monitor: this.o.monitor,
        doc: doc!,
        ...(last ? { last } : {}),
        at,
        ...(this.o.links ? { links: this.o.links } : {}),
      });
      out = [...out, { id: seq(), n: notification, to: this.o.channels.map((c) => c.id), lease: run.deadline, by: run.id, tries: 0 }].filter(
        (e) => e.to.length,
      );
    }
    return {
      item: { ver: current.ver + 1, gen, state, ...(doc ? { doc } : {}), out, paged },
      ...(action ? { action } : {}),
      ...(notification ? { notification } : {}),
      ...(held ? { held } : {}),
    };
  }

  private toItem(pk: string, inc: IncidentItem): Item {
    const ttl = inc.state === 'open' || inc.out.length ? undefined : Math.floor(this.now() / 1000) + TTL_SECONDS.incident;
    return {
      pk: { S: pk },
      ver: { N: String(inc.ver) },
      gen: { N: String(inc.gen) },
      state: { S: inc.state === 'open' ? 'open' : 'resolved' },
      ...(inc.doc ? { doc: { S: JSON.stringify(inc.doc) } } : {}),
      out: { S: JSON.stringify(inc.out) },
      paged: { N: inc.paged ? '1' : '0' },
      ...(ttl ? { [TTL_ATTRIBUTE]: { N: String(ttl) } } : {}),
    };
  }

  /**
   * Deliver leased entries in order. A channel that failed an entry gets none of the later ones in
   * this run (a resolve never overtakes its trigger).
   */
  private async deliver(
    entries: readonly OutboxEntry[],
    deadline: number,
  ): Promise<{ deliveries: Delivery[]; delivered: Map<string, { ok: Set<string>; dropped: Set<string> }> }> {
    const deliveries: Delivery[] = [];
    const delivered = new Map<string, { ok: Set<string>; dropped: Set<string> }>();
    const blocked = new Set<string>();
    for (const entry of entries) {
      const done = { ok: new Set<string>(), dropped: new Set<string>() };
      delivered.set(entry.id, done);
      const targets = this.o.channels.filter((c) => entry.to.includes(c.id) && !blocked.has(c.id));
      const results = await Promise.all(
        targets.map(async (c): Promise<Delivery> => {
          if (this.now() >= deadline) return { channel: c.id, ok: false, retryable: true, attempts: 0, error: 'no time left in this run' };
          try {
            return await c.deliver(entry.n, { deadline });
          } catch (err) {
            return { channel: c.id, ok: false, retryable: true, attempts: 1, error: describe(err) };
          }
        }),
      );
      for (const d of results) {
        deliveries.push(d);
        if (d.ok) done.ok.add(d.channel);
        else if (!d.retryable) {
          // A configuration problem (4xx): said once, not retried.
          done.dropped.add(d.channel);
          this.log(
            JSON.stringify({
              timestamp: new Date().toISOString(),
              level: 'ERROR',
              msg: 'notification rejected',
              channel: d.channel,
              status: d.status,
              error: d.error,
              dedupKey: entry.n.dedupKey,
            }),
          );
        } else {
          blocked.add(d.channel);
          this.log(
            JSON.stringify({
              timestamp: new Date().toISOString(),
              level: 'WARN',
              msg: 'notification not delivered; retried next run',
              channel: d.channel,
              status: d.status,
              error: d.error,
              dedupKey: entry.n.dedupKey,
            }),
          );
        }
      }
    }
    return { deliveries, delivered };
  }

  /** Remove what was delivered from the outbox and free the rest for the next run; retried on conflict. */
  private async settle(pk: string, written: IncidentItem, delivered: Map<string, { ok: Set<string>; dropped: Set<string> }>): Promise<number> {
    let current: IncidentItem = written;
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const out = current.out
        .map((e) => {
          const d = delivered.get(e.id);
          if (!d) return e;
          const { by: _by, ...rest } = e;
          return { ...rest, to: e.to.filter((c) => !d.ok.has(c) && !d.dropped.has(c)), lease: 0, tries: e.tries + 1 };
        })
        .filter((e) => e.to.length);
      if (!delivered.size) return out.length;
      const next = { ...current, ver: current.ver + 1, out };
      if (await this.o.store.putVersioned(this.toItem(pk, next), current.ver)) return out.length;
      current = parseIncident(await this.o.store.get(pk));
    }
    throw new Error(`gave up settling the outbox after ${MAX_WRITE_ROUNDS} conflicting writes`);
  }
}

/** Run `fn` over items, at most `size` at a time. */
async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

function describe(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

export type { IncidentKind };
