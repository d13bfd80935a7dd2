/**
 * The incident engine (docs/DESIGN.md#incidents): after each run, every location records its
 * verdicts; an incident opens when a quorum of locations fail within the window, updates when the
 * cause changes, resolves after `resolveAfterRuns` passing runs at quorum. Exactly one writer wins
 * each transition (conditional writes on a version), and the notification it sends is written in the
 * same conditional write (an outbox on the incident item), so a page that could not be sent, or a
 * runner that died after the write, is delivered by the next run.
 *
 * This file orchestrates a run; the parts live beside it:
 * - ./items.ts: the items (`run#…` claims, `c#<check>` verdicts, `i#<kind>#<host>` incidents), their
 *   keys, (de)serialisation and TTLs;
 * - ./record.ts: a location's verdict on the check item (write only a changed verdict);
 * - ./decide.ts: the transition table (open, update, resolve, page after a maintenance window);
 * - ./outbox.ts: delivering and settling the outbox.
 */
import { randomUUID } from 'node:crypto';
import type { Channel } from './channel';
import type { CheckResult } from '../../contracts/result';
import type { Delivery, IncidentKind, Notification } from '../../contracts/notification';
import type { MaintenanceWindow } from '../../contracts/maintenance-windows';
import { hostOf, incidentKey } from '../../contracts/incident-keys';
import type { IncidentStore, Item } from './store';
import {
  describe,
  expiresAt,
  incidentToItem,
  KINDS,
  MAX_WRITE_ROUNDS,
  parseIncident,
  TTL_ATTRIBUTE,
  TTL_SECONDS,
  type CheckView,
  type Kind,
  type Run,
  type RunContext,
} from './items';
import { runClaimKey } from '../run-claim';
import { recordVerdict, type VerdictRecorder } from './record';
import { decide } from './decide';
import { deliver, settle, type LogLine, type OutboxDeps } from './outbox';

export { STEADY_EXTENSION, TTL_ATTRIBUTE, TTL_SECONDS, windowMs, type RunContext } from './items';
export { fixOf } from './record';
export type { LogLine } from './outbox';
export { hostOf };

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

/** The engine: one per runner container (or CLI run). */
export class IncidentEngine {
  private readonly now: () => number;
  private readonly log: LogLine;
  private readonly recorder: VerdictRecorder;
  private readonly outbox: OutboxDeps;

  constructor(private readonly o: IncidentEngineOptions) {
    this.now = o.now ?? Date.now;
    this.log = o.log ?? ((line) => void process.stdout.write(`${line}\n`));
    this.recorder = { store: o.store, location: o.location, resolveAfterRuns: o.resolveAfterRuns, now: this.now };
    this.outbox = { store: o.store, channels: o.channels, log: this.log, now: this.now };
  }

  /**
   * Claim a scheduled run (Lambda may deliver an event twice: "it's possible for it to receive the
   * same event from Lambda multiple times", https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html):
   * false when another invocation already claimed it, so this one must not probe or publish.
   */
  async claimRun(run: { shard: string; location: string; scheduledTime: string }): Promise<boolean> {
    return this.o.store.putNew({
      pk: { S: runClaimKey(run) },
      [TTL_ATTRIBUTE]: { N: expiresAt(this.now(), TTL_SECONDS.run) },
    });
  }

  /** Record a run's results and open, update or resolve incidents; never throws (errors are reported). */
  async record(results: readonly CheckResult[], context: RunContext): Promise<IncidentReport> {
    const run: Run = { ...context, id: `${this.o.location}/${randomUUID()}` };
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
          const view = await recordVerdict(this.recorder, result, run.at, interval);
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

  /** One host's incident of one kind: decide, write (conditionally, retried on conflict), deliver. */
  private async reconcile(
    pk: string,
    kind: Kind,
    host: string,
    group: readonly CheckView[],
    first: Item | undefined,
    run: Run,
  ): Promise<{ sent: Notification[]; deliveries: Delivery[]; pending: number }> {
    let current = parseIncident(first);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      if (this.now() > run.deadline) throw new Error('out of time before the incident write');
      const next = decide(this.o, { kind, host, group, current, run, now: this.now() });
      if (!next) return { sent: [], deliveries: [], pending: current.out.length };
      const written = await this.o.store.putVersioned(incidentToItem(pk, next.item, this.now()), current.ver);
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
      const { deliveries, delivered } = await deliver(this.outbox, mine, run.deadline);
      const pendingAfter = await settle(this.outbox, pk, next.item, delivered);
      return { sent: next.notification ? [next.notification] : [], deliveries, pending: pendingAfter };
    }
    throw new Error(`gave up after ${MAX_WRITE_ROUNDS} conflicting writes`);
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

export type { IncidentKind };
