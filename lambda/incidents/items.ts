/**
 * The incident table's items (docs/DESIGN.md#incidents), one table, partition key `pk`:
 * - `run#<shard>#<location>#<scheduled time>`: a run claim (duplicate Lambda deliveries).
 * - `c#<check>`: the check's verdicts, one set of attributes per location
 *   (`v:<loc>` verdict JSON, `r:<loc>` run time, `u:<loc>` the time the verdict stops counting,
 *   `p:<loc>` passing streak, `q:<loc>` non-error streak, `f:<loc>` first failure of the current
 *   failing streak). Written by ./record.ts.
 * - `i#<kind>#<host>`: the host's incident of a kind (`endpoint` or `monitor`): `ver`, `gen`,
 *   `state` (open | resolved), `doc` (IncidentDoc JSON), `out` (the outbox JSON), `paged` (0 while
 *   its trigger is held back by a maintenance window; absent on items written before windows).
 *   Decided by ./decide.ts, its outbox delivered by ./outbox.ts.
 *
 * This file holds their shapes, keys, (de)serialisation and lifetimes; it imports no other module
 * of the engine.
 */
import type { LocationVerdict, Notification } from '../../contracts/notification';
import type { Cause, Outcome } from '../../contracts/outcomes';
import { HOST_INCIDENT_KINDS, type HostIncidentKind } from '../../contracts/incident-keys';
import type { IncidentDoc } from './page';
import { num, str, type Item } from './store';
import { RUN_CLAIM_TTL_SECONDS } from '../run-claim';

/**
 * How long an item outlives its last write (DynamoDB TTL: "TTL compares the current time in epoch
 * time format to the time stored in the TTL attribute of an item. If the epoch time value stored in
 * the attribute is less than the current time, the item is marked as expired and subsequently
 * deleted." and "DynamoDB typically deletes expired items within two days of expiration",
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html).
 * Expiry is housekeeping only: every decision reads times, never the absence of an item.
 */
export const TTL_SECONDS = { run: RUN_CLAIM_TTL_SECONDS, check: 7 * 86_400, incident: 30 * 86_400 } as const;
/** The TTL attribute the table enables (lib/incidents.ts). */
export const TTL_ATTRIBUTE = 'ttl';

/** Conditional-write retries per incident item per run (each loser re-reads and recomputes). */
export const MAX_WRITE_ROUNDS = 6;

/** The run the results belong to. */
export interface RunContext {
  /** The run's (tick's) time, epoch ms: the verdicts' order and window. */
  readonly at: number;
  /** Interval of each check, seconds (the window). */
  readonly intervals: ReadonlyMap<string, number>;
  /** Deadline for everything (epoch ms): store calls and deliveries stop starting after it. */
  readonly deadline: number;
}

/** A run as the engine carries it: its context and an id unique to this invocation (outbox leases). */
export type Run = RunContext & { readonly id: string };

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

/** The key of a check's verdicts item. */
export function checkKey(check: string): string {
  return `c#${check}`;
}

/** The TTL attribute's value for an item written at `nowMs` that lives `seconds`. */
export function expiresAt(nowMs: number, seconds: number): string {
  return String(Math.floor(nowMs / 1000) + seconds);
}

/** One location's verdict as the check item stores it (`v:<loc>`), short names to stay small. */
export interface StoredVerdict {
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

export type Kind = HostIncidentKind;
export const KINDS: readonly Kind[] = HOST_INCIDENT_KINDS;

/** A fresh failing location of a check, with its verdict and the start of its failing streak. */
export interface FailingLocation {
  readonly loc: string;
  readonly v: StoredVerdict;
  readonly since: number;
}

/** A check's state across locations after this run's verdict. */
export interface CheckView {
  readonly name: string;
  readonly host: string;
  /** Fresh failing locations by kind, with their verdicts. */
  readonly failing: Readonly<Record<Kind, readonly FailingLocation[]>>;
  /** Locations whose fresh verdicts passed enough runs in a row, by kind. */
  readonly recovered: Readonly<Record<Kind, number>>;
  readonly locations: readonly LocationVerdict[];
}

/** One outbox entry: a notification still owed to some channels, in order. */
export interface OutboxEntry {
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

/** A host's incident of one kind, as read from (or about to be written to) its item. */
export interface IncidentItem {
  readonly ver: number;
  readonly gen: number;
  readonly state: 'open' | 'resolved' | 'none';
  readonly doc?: IncidentDoc;
  readonly out: readonly OutboxEntry[];
  /** False while an open incident's trigger is held back by a maintenance window. */
  readonly paged: boolean;
}

/** The incident an item holds; version 0 and state `none` when there is none yet. */
export function parseIncident(item: Item | undefined): IncidentItem {
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

/** The item an incident is written as; it expires only once resolved with an empty outbox. */
export function incidentToItem(pk: string, inc: IncidentItem, nowMs: number): Item {
  const ttl = inc.state === 'open' || inc.out.length ? undefined : Math.floor(nowMs / 1000) + TTL_SECONDS.incident;
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

/** One line of text for an error (logs and the report), at most 300 characters. */
export function describe(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}
