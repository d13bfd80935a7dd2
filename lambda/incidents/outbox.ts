/**
 * The outbox on an incident item (docs/DESIGN.md#incidents): a notification is written in the same
 * conditional write as the transition that owes it, then delivered by the run that holds its lease,
 * and settled (removed once every channel took it or refused it for good). A page that could not be
 * sent, or a runner that died after the write, is delivered by the next run.
 */
import type { Delivery } from '../../contracts/notification';
import type { Channel } from './channel';
import type { IncidentStore } from './store';
import { describe, incidentToItem, MAX_WRITE_ROUNDS, parseIncident, type IncidentItem, type OutboxEntry } from './items';

/** Where the engine's decisions and failures go (one JSON line each). */
export type LogLine = (line: string) => void;

/** Per outbox entry id: the channels that took it, and those that refused it for good. */
export type Delivered = Map<string, { ok: Set<string>; dropped: Set<string> }>;

/** What delivering and settling need from the engine. */
export interface OutboxDeps {
  readonly store: IncidentStore;
  readonly channels: readonly Channel[];
  readonly log: LogLine;
  /** Clock (epoch ms). */
  readonly now: () => number;
}

/**
 * Deliver leased entries in order. A channel that failed an entry gets none of the later ones in
 * this run (a resolve never overtakes its trigger).
 */
export async function deliver(
  o: OutboxDeps,
  entries: readonly OutboxEntry[],
  deadline: number,
): Promise<{ deliveries: Delivery[]; delivered: Delivered }> {
  const deliveries: Delivery[] = [];
  const delivered: Delivered = new Map();
  const blocked = new Set<string>();
  for (const entry of entries) {
    const done = { ok: new Set<string>(), dropped: new Set<string>() };
    delivered.set(entry.id, done);
    const targets = o.channels.filter((c) => entry.to.includes(c.id) && !blocked.has(c.id));
    const results = await Promise.all(
      targets.map(async (c): Promise<Delivery> => {
        if (o.now() >= deadline) return { channel: c.id, ok: false, retryable: true, attempts: 0, error: 'no time left in this run' };
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
        logDelivery(o, 'ERROR', 'notification rejected', d, entry);
      } else {
        blocked.add(d.channel);
        logDelivery(o, 'WARN', 'notification not delivered; retried next run', d, entry);
      }
    }
  }
  return { deliveries, delivered };
}

function logDelivery(o: OutboxDeps, level: 'ERROR' | 'WARN', msg: string, d: Delivery, entry: OutboxEntry): void {
  o.log(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level,
      msg,
      channel: d.channel,
      status: d.status,
      error: d.error,
      dedupKey: entry.n.dedupKey,
    }),
  );
}

/**
 * Remove what was delivered from the outbox and free the rest for the next run; retried on
 * conflict. Returns the entries still waiting.
 */
export async function settle(o: OutboxDeps, pk: string, written: IncidentItem, delivered: Delivered): Promise<number> {
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
    if (await o.store.putVersioned(incidentToItem(pk, next, o.now()), current.ver)) return out.length;
    current = parseIncident(await o.store.get(pk));
  }
  throw new Error(`gave up settling the outbox after ${MAX_WRITE_ROUNDS} conflicting writes`);
}
