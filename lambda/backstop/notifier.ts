/**
 * The backstop notifier (docs/DESIGN.md#incidents, Backstop): for one "Alarm State Change" event of
 * one of the monitor's alarms, decide whether it pages and send it through the runner's own channels,
 * each channel at most once per notification. No environment, no file: handler.ts builds the
 * dependencies once per container and calls `handle`; tests and the demo call it directly.
 *
 * - Only transitions to ALARM (trigger) and ALARM → OK (resolve) do anything (event.ts).
 * - A trigger is held inside one of the alarm's maintenance windows, suppressed when the pipeline
 *   already paged the failure, forwarded otherwise (decide.ts); the decision is recorded once per
 *   episode (record.ts) and every retry follows it.
 * - A resolve goes only to the channels that got the episode's trigger.
 */
import { randomUUID } from 'node:crypto';
import { BACKSTOP_RETRY_ATTEMPTS, backstopKey, type BackstopAlarm, type BackstopFile } from '../../contracts/backstop';
import type { Delivery, Notification } from '../../contracts/notification';
import type { LogLine } from '../incidents/engine';
import type { IncidentStore, Item } from '../incidents/store';
import type { Channel } from '../notify';
import { coveringKeys, decideTrigger, type TriggerDecision } from './decide';
import { BackstopRetryError, deliverAndSettle, describeError, logLine, type DeliveryContext } from './deliver';
import { transitionOf, type AlarmStateChangeEvent, type Transition } from './event';
import { backstopLinks, buildBackstopNotification } from './page';
import { RecordStore, type DeliveryRecord, type Phase } from './record';

/** Assumed time left when no Lambda context says (the construct's timeout is at least 30 s). */
export const DEFAULT_REMAINING_MS = 30_000;
/**
 * Kept after the last delivery attempt for marking the record and publishing the metric (each at
 * most two attempts of 2 s, in parallel) before the function's timeout.
 */
export const FINISH_RESERVE_MS = 6_000;
/** Between two reads while a resolve waits for its trigger to finish sending. */
const TRIGGER_POLL_MS = 250;

/** What `handle` needs; built once per container by handler.ts. */
export interface BackstopDeps {
  readonly file: BackstopFile;
  /** The incident table: the pipeline's incidents and the notifier's delivery records. */
  readonly store: IncidentStore;
  readonly channels: readonly Channel[];
  /** Publishes NotificationFailures{Channel}; resolves to an error text instead of throwing. */
  readonly publishFailures: DeliveryContext['publishFailures'];
  /** The dashboard's name, for the console link. @default - no dashboard link */
  readonly dashboard?: string;
  /** The region of the console links. @default - the event's region */
  readonly region?: string;
  /** @default - one JSON line on stdout */
  readonly log?: LogLine;
  /** Clock (epoch ms). @default Date.now */
  readonly now?: () => number;
  /** Retries Lambda makes of a failed invocation. @default BACKSTOP_RETRY_ATTEMPTS */
  readonly retryAttempts?: number;
}

/** The invocation's time. */
export interface HandleOptions {
  /** Time left before the function's timeout (the Lambda context's getRemainingTimeInMillis()). @default DEFAULT_REMAINING_MS */
  readonly remainingMs?: number;
}

/** What one event came to. */
export interface BackstopReport {
  readonly outcome: 'ignored' | 'unknown-alarm' | 'held' | 'suppressed' | 'forwarded' | 'resolved' | 'duplicate';
  readonly alarm?: string;
  readonly why?: string;
  readonly notification?: Notification;
  readonly deliveries: readonly Delivery[];
}

export { BackstopRetryError };

interface Run extends DeliveryContext {
  readonly deps: BackstopDeps;
  readonly t: Transition;
  readonly records: RecordStore;
  readonly pk: string;
  /** A lease taken now ends when this invocation can no longer be running (epoch ms). */
  readonly leaseUntil: number;
  /** This invocation's id: the record's owner and its leases' holder. */
  readonly id: string;
}

/**
 * Handle one event. Throws BackstopRetryError when a channel failed in a way worth another attempt
 * (and the store error when a resolve cannot read its record), so Lambda retries the invocation.
 */
export async function handle(event: AlarmStateChangeEvent, deps: BackstopDeps, options: HandleOptions = {}): Promise<BackstopReport> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const start = now();
  const remaining = options.remainingMs ?? DEFAULT_REMAINING_MS;
  const t = transitionOf(event, start);
  if (!t || t.kind === 'ignore') {
    logLine(log, 'INFO', 'alarm state change ignored', { alarm: t?.alarmName, why: t?.why ?? 'not a CloudWatch Alarm State Change event' });
    return { outcome: 'ignored', ...(t ? { alarm: t.alarmName } : {}), why: t?.why ?? 'not an alarm state change', deliveries: [] };
  }
  const alarm = Object.hasOwn(deps.file.alarms, t.alarmName) ? deps.file.alarms[t.alarmName] : undefined;
  if (!alarm) {
    logLine(log, 'WARN', 'alarm state change of an alarm this monitor does not know; ignored', { alarm: t.alarmName });
    return { outcome: 'unknown-alarm', alarm: t.alarmName, deliveries: [] };
  }
  const run: Run = {
    deps,
    t,
    alarm,
    alarmName: t.alarmName,
    log,
    now,
    deadline: start + Math.max(0, remaining - FINISH_RESERVE_MS),
    leaseUntil: start + remaining,
    id: randomUUID(),
    retryAttempts: deps.retryAttempts ?? BACKSTOP_RETRY_ATTEMPTS,
    publishFailures: deps.publishFailures,
    records: new RecordStore(deps.store),
    pk: backstopKey(t.alarmName, new Date(t.alarmSinceMs).toISOString()),
  };
  return t.kind === 'trigger' ? trigger(run) : resolve(run);
}

const recordOf = (run: Run) => ({ store: run.records, pk: run.pk });

function pageFor(run: Run, action: 'trigger' | 'resolve', storeUnreachable = false): Notification {
  const region = run.deps.region ?? run.t.region;
  const links = backstopLinks({
    alarmName: run.alarmName,
    ...(region ? { region } : {}),
    ...(run.deps.dashboard ? { dashboard: run.deps.dashboard } : {}),
  });
  return buildBackstopNotification({
    action,
    monitor: run.deps.file.monitor,
    alarmName: run.alarmName,
    alarm: run.alarm,
    alarmSinceMs: run.t.alarmSinceMs,
    atMs: run.t.atMs,
    reason: run.t.reason,
    ...(links ? { links } : {}),
    storeUnreachable,
  });
}

/** The incident items that could cover the alarm, or 'unreachable'. */
async function readIncidents(run: Run, alarm: BackstopAlarm): Promise<ReadonlyMap<string, Item> | 'unreachable'> {
  const keys = coveringKeys(alarm);
  if (!keys.length) return new Map();
  try {
    return await run.deps.store.getMany(keys);
  } catch (err) {
    logLine(run.log, 'ERROR', 'reading the incidents failed; the alarm is forwarded', { alarm: run.alarmName, error: describeError(err) });
    return 'unreachable';
  }
}

const OUTCOME = { hold: 'held', suppress: 'suppressed', forward: 'forwarded' } as const;

async function trigger(run: Run): Promise<BackstopReport> {
  let record: DeliveryRecord | undefined;
  let storeUp = true;
  try {
    record = await run.records.read(run.pk);
  } catch (err) {
    storeUp = false;
    logLine(run.log, 'ERROR', 'reading the delivery record failed; deciding without the store', { alarm: run.alarmName, error: describeError(err) });
  }
  if (!record) {
    const decision = decideTrigger({
      file: run.deps.file,
      alarm: run.alarm,
      atMs: run.t.atMs,
      alarmSinceMs: run.t.alarmSinceMs,
      incidents: storeUp ? await readIncidents(run, run.alarm) : 'unreachable',
    });
    logLine(run.log, decision.decision === 'forward' ? 'WARN' : 'INFO', `backstop ${decision.decision}`, {
      alarm: run.alarmName,
      class: run.alarm.class,
      why: decision.why,
    });
    const n = decision.decision === 'forward' ? pageFor(run, 'trigger', decision.storeUnreachable === true) : undefined;
    let created = false;
    if (storeUp) {
      try {
        created = await run.records.create({
          pk: run.pk,
          alarmName: run.alarmName,
          decision: decision.decision,
          why: decision.why,
          ...(n ? { notification: n } : {}),
          to: run.deps.channels.map((c) => c.id),
          leaseUntil: run.leaseUntil,
          owner: run.id,
          nowMs: run.now(),
        });
      } catch (err) {
        storeUp = false;
        logLine(run.log, 'ERROR', 'writing the delivery record failed; sending without it', { alarm: run.alarmName, error: describeError(err) });
      }
    }
    if (!storeUp) return withoutRecord(run, decision, n);
    if (created) {
      if (!n) return { outcome: OUTCOME[decision.decision], alarm: run.alarmName, why: decision.why, deliveries: [] };
      const attempts = new Map(run.deps.channels.map((c) => [c.id, 1]));
      const { deliveries, retry } = await deliverAndSettle(run, {
        phase: 'trigger',
        n,
        channels: run.deps.channels,
        record: recordOf(run),
        attempts,
      });
      if (retry) throw retry;
      return { outcome: 'forwarded', alarm: run.alarmName, why: decision.why, notification: n, deliveries };
    }
    // Another invocation decided first: follow its record. (Or this one did, and the SDK's retry of a
    // write whose answer was lost failed the condition: its leases name this invocation, so
    // followRecord's claims find the channels are still its own.)
    record = await run.records.read(run.pk);
    if (!record) throw new Error(`the delivery record ${run.pk} vanished after a conflicting write`);
  }
  return followRecord(run, record);
}

/** A redelivered event or a retry: send the recorded trigger to the channels still owed it. */
async function followRecord(run: Run, record: DeliveryRecord): Promise<BackstopReport> {
  if (record.resolvedAt !== undefined || record.decision !== 'forward' || !record.notification) {
    const why = record.resolvedAt !== undefined ? 'the episode already resolved' : `recorded decision: ${record.decision} (${record.why})`;
    logLine(run.log, 'INFO', 'backstop trigger already handled', { alarm: run.alarmName, why });
    return { outcome: 'duplicate', alarm: run.alarmName, why, deliveries: [] };
  }
  const { channels, attempts } = await claimAll(run, 'trigger', record, (c) => record.to.includes(c));
  if (!channels.length) return { outcome: 'duplicate', alarm: run.alarmName, why: 'every channel has it or is being sent it', deliveries: [] };
  const { deliveries, retry } = await deliverAndSettle(run, { phase: 'trigger', n: record.notification, channels, record: recordOf(run), attempts });
  if (retry) throw retry;
  return { outcome: 'forwarded', alarm: run.alarmName, why: record.why, notification: record.notification, deliveries };
}

/** Claim every configured channel that `owed` selects and the record still owes, in parallel. */
async function claimAll(
  run: Run,
  phase: Phase,
  record: DeliveryRecord,
  owed: (channel: string) => boolean,
): Promise<{ channels: Channel[]; attempts: Map<string, number> }> {
  const state = record[phase];
  const candidates = run.deps.channels.filter((c) => owed(c.id) && !state.sent.has(c.id) && !state.refused.has(c.id));
  const attempts = new Map<string, number>();
  const lease = { nowMs: run.now(), until: run.leaseUntil, owner: run.id };
  const refused = await Promise.all(
    candidates.map(async (c) => {
      const n = await run.records.claim(run.pk, phase, c.id, lease);
      if (n !== undefined) attempts.set(c.id, n);
      return n === undefined;
    }),
  );
  if (refused.some(Boolean)) {
    // A claim whose answer was lost and whose SDK retry then failed the condition is still ours.
    const after = (await run.records.read(run.pk))?.[phase];
    for (const c of candidates)
      if (!attempts.has(c.id) && after?.holders.get(c.id) === run.id && !after.sent.has(c.id)) attempts.set(c.id, after.attempts.get(c.id) ?? 1);
  }
  return { channels: candidates.filter((c) => attempts.has(c.id)), attempts };
}

/**
 * The store is down: a forwarded trigger goes to every channel (a retry may repeat it; the dedup key
 * and the webhook id let receivers fold repeats), then the record is written after the fact in case
 * the store is back, so the resolve finds who got it. A hold needs no store.
 */
async function withoutRecord(run: Run, decision: TriggerDecision, n: Notification | undefined): Promise<BackstopReport> {
  if (!n) return { outcome: OUTCOME[decision.decision], alarm: run.alarmName, why: decision.why, deliveries: [] };
  const { deliveries, retry } = await deliverAndSettle(run, { phase: 'trigger', n, channels: run.deps.channels });
  const sentAt = run.now();
  const sent = new Map(deliveries.filter((d) => d.ok).map((d) => [d.channel, sentAt]));
  await run.records
    .create({
      pk: run.pk,
      alarmName: run.alarmName,
      decision: 'forward',
      why: decision.why,
      notification: n,
      to: run.deps.channels.map((c) => c.id),
      leaseUntil: 0,
      owner: run.id,
      nowMs: sentAt,
      sent,
    })
    .catch(() => undefined);
  if (retry) throw retry;
  return { outcome: 'forwarded', alarm: run.alarmName, why: decision.why, notification: n, deliveries };
}

/**
 * ALARM → OK: mark the episode resolved (no further trigger is sent), wait for a trigger still being
 * sent, then send the resolve to each channel that got the trigger. A store that cannot be read
 * fails the invocation (Lambda retries): without the record, the notifier cannot know who got the
 * trigger, and a resolve to a channel that never got it would be noise.
 */
async function resolve(run: Run): Promise<BackstopReport> {
  let record = await run.records.markResolved(run.pk, run.alarmName, run.now());
  if (record.decision !== 'forward' || !record.notification) {
    const why =
      record.decision === 'none' ? 'no trigger was recorded for this episode' : `the trigger was not paged (${record.decision}: ${record.why})`;
    logLine(run.log, 'INFO', 'backstop resolve: nothing to resolve', { alarm: run.alarmName, why });
    return { outcome: 'resolved', alarm: run.alarmName, why, deliveries: [] };
  }
  record = await untilTriggerSettles(run, record);
  const trigger = record.trigger;
  const { channels, attempts } = await claimAll(run, 'resolve', record, (c) => trigger.sent.has(c));
  const n: Notification = { ...pageFor(run, 'resolve'), dedupKey: record.notification!.dedupKey };
  const { deliveries, retry } = channels.length
    ? await deliverAndSettle(run, { phase: 'resolve', n, channels, record: recordOf(run), attempts })
    : { deliveries: [], retry: undefined };
  if (retry) throw retry;
  return {
    outcome: 'resolved',
    alarm: run.alarmName,
    why: `sent to the ${trigger.sent.size} channel(s) that got the trigger`,
    notification: n,
    deliveries,
  };
}

/** Wait while another invocation is still sending the trigger (a live lease), until its lease or our deadline ends. */
async function untilTriggerSettles(run: Run, first: DeliveryRecord): Promise<DeliveryRecord> {
  let record = first;
  const inFlight = (r: DeliveryRecord) =>
    [...r.trigger.leases].filter(([c, until]) => until > run.now() && !r.trigger.sent.has(c) && !r.trigger.refused.has(c)).map(([c]) => c);
  while (inFlight(record).length && run.now() < run.deadline) {
    await new Promise((r) => setTimeout(r, TRIGGER_POLL_MS));
    record = (await run.records.read(run.pk)) ?? record;
  }
  const still = inFlight(record);
  if (still.length)
    throw new BackstopRetryError(`the trigger of ${run.alarmName} is still being sent to ${still.join(', ')}; the resolve waits for it`, still);
  return record;
}
