/**
 * The backstop's delivery record (docs/DESIGN.md#incidents, Backstop): one item per alarm episode in
 * the incident table, `b#<alarm name>#<time the alarm entered ALARM>` (contracts/backstop.ts
 * backstopKey), so that a redelivered event or a Lambda retry sends each channel each notification
 * at most once.
 *
 * - Created by the first invocation that decides the trigger (`PutItem … attribute_not_exists(pk)`):
 *   the decision, why, the trigger notification as sent (a retry sends the same bytes: the webhook
 *   id and PagerDuty dedup key stay), the channels it is owed to, and a lease on each of them for
 *   the creator.
 * - Per channel and phase (trigger `t`, resolve `r`), attributes `<p>:<channel>` (delivered, epoch
 *   ms), `<p>x:<channel>` (refused with a 4xx: not retried), `<p>l:<channel>` (leased until, epoch
 *   ms: an invocation is sending it), `<p>w:<channel>` (which invocation holds the lease) and
 *   `<p>a:<channel>` (attempts). An invocation sends a channel
 *   only after a conditional UpdateItem claimed it (not delivered, not refused, no live lease), and
 *   marks it after the attempt in one UpdateItem, releasing the lease. A runtime that dies between
 *   claiming and marking leaves a lease that ends at its deadline.
 * - `resolvedAt`: set by the first ALARM → OK event of the episode (an UpdateItem that also creates
 *   the item when the trigger was never seen). From then on the trigger is sent to no further
 *   channel, so a late retry of the trigger can never page after the resolve.
 * - `<p>w:<channel>` tells an invocation its own leases when the SDK retried a write whose first
 *   answer was lost and the retry failed the condition the lost attempt had already met.
 *
 * Attribute names carry channel ids (`webhooks[0]`), so every expression uses name placeholders.
 * UpdateItem "Edits an existing item's attributes, or adds a new item to the table if it does not
 * already exist … You can also perform a conditional update on an existing item"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html).
 */
import type { Notification } from '../../contracts/notification';
import { TTL_ATTRIBUTE, TTL_SECONDS } from '../incidents/engine';
import { num, str, type IncidentStore, type Item } from '../incidents/store';

/** The two notifications of an episode. */
export type Phase = 'trigger' | 'resolve';
const PREFIX: Readonly<Record<Phase, string>> = { trigger: 't', resolve: 'r' };

/** What the first invocation decided for the episode. `none`: the resolve came first; nothing is owed. */
export type RecordDecision = 'forward' | 'suppress' | 'hold' | 'none';

/** Per phase: what each channel got. */
export interface PhaseState {
  readonly sent: ReadonlySet<string>;
  readonly refused: ReadonlySet<string>;
  /** Channel → lease end (epoch ms). */
  readonly leases: ReadonlyMap<string, number>;
  /** Channel → the invocation holding its lease. */
  readonly holders: ReadonlyMap<string, string>;
  readonly attempts: ReadonlyMap<string, number>;
}

/** A delivery record as read. */
export interface DeliveryRecord {
  readonly pk: string;
  readonly decision: RecordDecision;
  readonly why: string;
  readonly notification?: Notification;
  /** The channels the trigger is owed to (the channels configured when it was decided). */
  readonly to: readonly string[];
  readonly trigger: PhaseState;
  readonly resolve: PhaseState;
  /** When the episode's ALARM → OK was first seen (epoch ms). */
  readonly resolvedAt?: number;
}

/** The attribute of `channel` for a phase: delivered (''), refused ('x'), lease ('l'), its holder ('w'), attempts ('a'). */
export function attr(phase: Phase, kind: '' | 'x' | 'l' | 'w' | 'a', channel: string): string {
  return `${PREFIX[phase]}${kind}:${channel}`;
}

function phaseOf(item: Item, phase: Phase): PhaseState {
  const sent = new Set<string>();
  const refused = new Set<string>();
  const leases = new Map<string, number>();
  const holders = new Map<string, string>();
  const attempts = new Map<string, number>();
  const p = PREFIX[phase];
  for (const name of Object.keys(item)) {
    const m = /^([tr])([xlwa]?):(.+)$/.exec(name);
    if (!m || m[1] !== p) continue;
    const channel = m[3]!;
    if (m[2] === '') sent.add(channel);
    else if (m[2] === 'x') refused.add(channel);
    else if (m[2] === 'l') leases.set(channel, num(item, name) ?? 0);
    else if (m[2] === 'w') holders.set(channel, str(item, name) ?? '');
    else attempts.set(channel, num(item, name) ?? 0);
  }
  return { sent, refused, leases, holders, attempts };
}

/** Parse a record item. */
export function parseRecord(item: Item): DeliveryRecord {
  const n = str(item, 'n');
  const to = str(item, 'to');
  const decision = str(item, 'decision');
  const resolvedAt = num(item, 'resolvedAt');
  return {
    pk: str(item, 'pk') ?? '',
    decision: decision === 'forward' || decision === 'suppress' || decision === 'hold' ? decision : 'none',
    why: str(item, 'why') ?? '',
    ...(n ? { notification: JSON.parse(n) as Notification } : {}),
    to: to ? (JSON.parse(to) as string[]) : [],
    trigger: phaseOf(item, 'trigger'),
    resolve: phaseOf(item, 'resolve'),
    ...(resolvedAt !== undefined ? { resolvedAt } : {}),
  };
}

const ttlAt = (nowMs: number) => ({ N: String(Math.floor(nowMs / 1000) + TTL_SECONDS.incident) });

/** The record's calls, on the incident table. */
export class RecordStore {
  constructor(private readonly store: IncidentStore) {}

  /** The record, strongly consistent; undefined when the episode has none yet. */
  async read(pk: string): Promise<DeliveryRecord | undefined> {
    const item = await this.store.get(pk);
    return item ? parseRecord(item) : undefined;
  }

  /**
   * Create the episode's record with its decision and, for a forwarded trigger, the notification and
   * a lease on every channel for the creator until `leaseUntil`. False when another invocation
   * created it first (the caller reads it and follows that decision).
   */
  async create(input: {
    readonly pk: string;
    readonly alarmName: string;
    readonly decision: Exclude<RecordDecision, 'none'>;
    readonly why: string;
    readonly notification?: Notification;
    readonly to: readonly string[];
    readonly leaseUntil: number;
    /** This invocation's id: its leases' holder. */
    readonly owner: string;
    readonly nowMs: number;
    /** Channels already delivered (a record written after the fact, when the store came back). */
    readonly sent?: ReadonlyMap<string, number>;
  }): Promise<boolean> {
    const item: Item = {
      pk: { S: input.pk },
      alarm: { S: input.alarmName },
      decision: { S: input.decision },
      why: { S: input.why },
      to: { S: JSON.stringify(input.to) },
      createdAt: { N: String(input.nowMs) },
      [TTL_ATTRIBUTE]: ttlAt(input.nowMs),
    };
    if (input.notification) item.n = { S: JSON.stringify(input.notification) };
    for (const channel of input.to) {
      const sentAt = input.sent?.get(channel);
      if (sentAt !== undefined) item[attr('trigger', '', channel)] = { N: String(sentAt) };
      else if (input.decision === 'forward' && !input.sent) {
        item[attr('trigger', 'l', channel)] = { N: String(input.leaseUntil) };
        item[attr('trigger', 'w', channel)] = { S: input.owner };
        item[attr('trigger', 'a', channel)] = { N: '1' };
      }
    }
    return this.store.putNew(item);
  }

  /**
   * Claim `channel` for a phase until `leaseUntil`: only when it was not delivered or refused, no live
   * lease holds it, and (trigger) the episode has not resolved or (resolve) the trigger reached it.
   * Returns the attempts so far, this one included, or undefined when it cannot be claimed.
   */
  async claim(
    pk: string,
    phase: Phase,
    channel: string,
    lease: { readonly nowMs: number; readonly until: number; readonly owner: string },
  ): Promise<number | undefined> {
    const names: Record<string, string> = {
      '#s': attr(phase, '', channel),
      '#x': attr(phase, 'x', channel),
      '#l': attr(phase, 'l', channel),
      '#w': attr(phase, 'w', channel),
      '#a': attr(phase, 'a', channel),
    };
    const gate =
      phase === 'trigger'
        ? ((names['#r'] = 'resolvedAt'), 'attribute_not_exists(#r)')
        : ((names['#t'] = attr('trigger', '', channel)), 'attribute_exists(#t)');
    const item = await this.store.update({
      pk,
      set: '#l = :until, #w = :owner, #a = if_not_exists(#a, :zero) + :one',
      condition: `attribute_exists(pk) AND ${gate} AND attribute_not_exists(#s) AND attribute_not_exists(#x) AND (attribute_not_exists(#l) OR #l < :now)`,
      names,
      values: {
        ':until': { N: String(lease.until) },
        ':owner': { S: lease.owner },
        ':now': { N: String(lease.nowMs) },
        ':zero': { N: '0' },
        ':one': { N: '1' },
      },
    });
    return item ? (num(item, attr(phase, 'a', channel)) ?? 1) : undefined;
  }

  /**
   * After an attempt: mark delivered and refused channels, release every lease this invocation held.
   * Unconditional beyond the item existing: the marks are true whoever reads them.
   */
  async settle(
    pk: string,
    phase: Phase,
    outcome: { readonly sent: readonly string[]; readonly refused: ReadonlyMap<string, string>; readonly released: readonly string[] },
    nowMs: number,
  ): Promise<void> {
    const names: Record<string, string> = { '#u': 'updatedAt' };
    const values: Item = { ':now': { N: String(nowMs) } };
    const set = ['#u = :now'];
    const remove: string[] = [];
    let i = 0;
    for (const channel of outcome.sent) {
      names[`#s${i}`] = attr(phase, '', channel);
      set.push(`#s${i++} = :now`);
    }
    for (const [channel, why] of outcome.refused) {
      names[`#x${i}`] = attr(phase, 'x', channel);
      values[`:x${i}`] = { S: why.slice(0, 300) };
      set.push(`#x${i} = :x${i++}`);
    }
    for (const channel of outcome.released) {
      names[`#l${i}`] = attr(phase, 'l', channel);
      names[`#w${i}`] = attr(phase, 'w', channel);
      remove.push(`#l${i}`, `#w${i++}`);
    }
    await this.store.update({
      pk,
      set: set.join(', '),
      ...(remove.length ? { remove: remove.join(', ') } : {}),
      condition: 'attribute_exists(pk)',
      names,
      values,
    });
  }

  /**
   * Mark the episode resolved (the first ALARM → OK wins the time) and return the record as it is
   * then. Creates it when the trigger was never recorded (decision `none`: a trigger that arrives
   * later sends nothing).
   */
  async markResolved(pk: string, alarmName: string, nowMs: number): Promise<DeliveryRecord> {
    const item = await this.store.update({
      pk,
      set: '#r = if_not_exists(#r, :now), #d = if_not_exists(#d, :none), #al = if_not_exists(#al, :alarm), #ttl = :ttl',
      // UpdateItem creates a missing item (the header's quote); the condition admits both.
      condition: 'attribute_not_exists(pk) OR attribute_exists(pk)',
      names: { '#r': 'resolvedAt', '#d': 'decision', '#al': 'alarm', '#ttl': TTL_ATTRIBUTE },
      values: { ':now': { N: String(nowMs) }, ':none': { S: 'none' }, ':alarm': { S: alarmName }, ':ttl': ttlAt(nowMs) },
    });
    return parseRecord({ pk: { S: pk }, ...(item ?? {}) });
  }
}
