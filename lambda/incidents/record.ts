/**
 * Recording a location's verdict on a check's item `c#<check>` (docs/DESIGN.md#incidents; the
 * attributes in ./items.ts), and reading every location's verdict back off it.
 *
 * Write only a changed verdict: a run first reads the check's item (strongly consistent, 1 RRU up
 * to 4 KB); when this location's stored verdict has the same outcome, cause, status and close code,
 * its streaks are saturated (they no longer change a decision) and its `u:<loc>` still covers this
 * run's window, the run writes nothing and decides on what it read. A changed verdict counts for one
 * window (`u = run + window`, the quorum window as before); a steady one is refreshed with
 * `u = run + window + STEADY_EXTENSION` windows, so the next runs inside that extension only read. A
 * steady location that falls silent therefore counts at most one window longer than a changing one;
 * a new failure, a change of cause and every streak step are still written at once, so opening,
 * updating and resolving are as fast as before.
 */
import type { CheckResult } from '../../contracts/result';
import type { LocationVerdict } from '../../contracts/notification';
import { Outcome, OUTCOME_RUNBOOK, CAUSE_GUIDE, isOutcome } from '../../contracts/outcomes';
import { hostOf } from '../../contracts/incident-keys';
import { clip, PAGE_EXCERPT_CHARS } from './page';
import { num, str, type IncidentStore, type Item } from './store';
import {
  checkKey,
  expiresAt,
  STEADY_EXTENSION,
  TTL_ATTRIBUTE,
  TTL_SECONDS,
  windowMs,
  type CheckView,
  type FailingLocation,
  type Kind,
  type StoredVerdict,
} from './items';

/** What recording needs from the engine. */
export interface VerdictRecorder {
  readonly store: IncidentStore;
  /** This runner's location label. */
  readonly location: string;
  /** Passing runs at quorum before a resolve (a streak at this length is saturated). */
  readonly resolveAfterRuns: number;
  /** Clock (epoch ms). */
  readonly now: () => number;
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

/** A result as the check item stores it. */
function storedVerdictOf(result: CheckResult): StoredVerdict {
  const fix = fixOf(result);
  return {
    o: result.outcome,
    ...(result.cause ? { c: result.cause } : {}),
    ...(result.status !== undefined ? { s: result.status } : {}),
    ...(result.closeCode !== undefined ? { k: result.closeCode } : {}),
    m: clip(messageOnly(result.message, fix), 1500),
    f: clip(fix, 800),
    ...(evidenceOf(result) ? { e: evidenceOf(result)! } : {}),
    at: result.startedAt,
  };
}

/** What the stored item says about this location's new verdict. */
type Prior =
  /** A late or duplicate run of this location: nothing to record. */
  | { readonly kind: 'stale' }
  /** Unchanged, saturated and still counting for this run's window: decide on what was read. */
  | { readonly kind: 'covered' }
  /** To be written; `steady` when unchanged and saturated (refreshed with the extension). */
  | { readonly kind: 'write'; readonly steady: boolean };

function priorOf(r: VerdictRecorder, stored: Item | undefined, verdict: StoredVerdict, runAt: number, window: number): Prior {
  if (!stored) return { kind: 'write', steady: false };
  const loc = r.location;
  const ok = verdict.o === Outcome.OK;
  const isError = verdict.o === Outcome.ERROR;
  const last = num(stored, `r:${loc}`);
  // A late or duplicate run of this location changes nothing (the write's condition says the same).
  if (last !== undefined && last >= runAt) return { kind: 'stale' };
  const raw = str(stored, `v:${loc}`);
  const before = raw ? (JSON.parse(raw) as StoredVerdict) : undefined;
  const p = num(stored, `p:${loc}`) ?? 0;
  const q = num(stored, `q:${loc}`) ?? 0;
  const saturated = ok
    ? p >= r.resolveAfterRuns && q >= r.resolveAfterRuns
    : p === 0 && (isError ? q === 0 : q >= r.resolveAfterRuns) && num(stored, `f:${loc}`) !== undefined;
  const steady = !!before && before.o === verdict.o && before.c === verdict.c && before.s === verdict.s && before.k === verdict.k && saturated;
  const until = num(stored, `u:${loc}`) ?? (last ?? 0) + window;
  return steady && until >= runAt + window ? { kind: 'covered' } : { kind: 'write', steady };
}

/** The conditional update of this location's attributes; undefined when a newer run already wrote. */
async function writeVerdict(
  r: VerdictRecorder,
  result: CheckResult,
  verdict: StoredVerdict,
  at: { runAt: number; window: number; steady: boolean },
): Promise<Item | undefined> {
  const loc = r.location;
  const ok = result.outcome === Outcome.OK;
  const isError = result.outcome === Outcome.ERROR;
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
  return r.store.update({
    pk: checkKey(result.check),
    set,
    ...(ok ? { remove: '#f' } : {}),
    // Only a newer run of this location may write: a duplicate or late retry changes nothing.
    condition: 'attribute_not_exists(#r) OR #r < :r',
    names,
    values: {
      ':v': { S: JSON.stringify(verdict) },
      ':r': { N: String(at.runAt) },
      ':u': { N: String(at.runAt + at.window + (at.steady ? STEADY_EXTENSION * at.window : 0)) },
      ':h': { S: hostOf(result.url) },
      ':t': { N: expiresAt(r.now(), TTL_SECONDS.check) },
      ':zero': { N: '0' },
      // DynamoDB refuses a value the expressions do not use; an error run increments no streak.
      ...(isError ? {} : { ':one': { N: '1' } }),
    },
  });
}

/**
 * Record this location's verdict of a run on the check's item, and return the check's state across
 * locations; undefined for a late or duplicate run (refused, not counted).
 */
export async function recordVerdict(r: VerdictRecorder, result: CheckResult, runAt: number, interval: number): Promise<CheckView | undefined> {
  const verdict = storedVerdictOf(result);
  const window = windowMs(interval);
  const check = { name: result.check, host: hostOf(result.url), runAt, interval, resolveAfterRuns: r.resolveAfterRuns };
  // Read first: an unchanged, saturated verdict whose stored validity covers this run is not written.
  const stored = await r.store.get(checkKey(result.check));
  const prior = priorOf(r, stored, verdict, runAt, window);
  if (prior.kind === 'stale') return undefined;
  if (prior.kind === 'covered') return viewOf(stored!, check);
  const item = await writeVerdict(r, result, verdict, { runAt, window, steady: prior.steady });
  if (!item) return undefined;
  return viewOf(item, check);
}

/** Read every location's verdict off the check item. */
export function viewOf(item: Item, check: { name: string; host: string; runAt: number; interval: number; resolveAfterRuns: number }): CheckView {
  const { name, host, runAt, interval } = check;
  const failing: Record<Kind, FailingLocation[]> = { endpoint: [], monitor: [] };
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
    if ((num(item, `p:${loc}`) ?? 0) >= check.resolveAfterRuns) recovered.endpoint++;
    if ((num(item, `q:${loc}`) ?? 0) >= check.resolveAfterRuns) recovered.monitor++;
  }
  locations.sort((a, b) => a.location.localeCompare(b.location));
  return { name, host, failing, recovered, locations };
}
