/**
 * The page is the diagnosis (docs/DESIGN.md#incidents): a Notification built from an incident's
 * checks, worded from the taxonomy (contracts/outcomes.ts) and the probe's own message and fix.
 * Pure: no I/O, so every text can be tested as is.
 */
import type { IncidentKind, LocationVerdict, Notification, NotificationAction } from '../../contracts/notification';
import { CAUSE_GUIDE, OUTCOME_RUNBOOK, type Cause, type Outcome } from '../../contracts/outcomes';
import { partitionOf } from '../../contracts/regions';

/** PagerDuty's limit on `payload.summary`, which the summary must fit. */
export const SUMMARY_MAX_CHARS = 1024;
/** PagerDuty's limit on `dedup_key`. */
export const DEDUP_KEY_MAX_CHARS = 255;
/** Body excerpt carried in a page (the result keeps up to 2 KB; a page shows the start). */
export const PAGE_EXCERPT_CHARS = 500;

/** What the incident knows about one of its checks (the latest verdict that kept it open). */
export interface IncidentCheck {
  readonly outcome: Outcome;
  readonly cause?: Cause;
  readonly status?: number;
  readonly closeCode?: number;
  readonly message: string;
  readonly fix: string;
  readonly evidence?: Readonly<Record<string, string | number>>;
  readonly locations: readonly LocationVerdict[];
  /** The check's first confirmed failure in this incident (ISO 8601). */
  readonly firstFailureAt: string;
}

/** An incident as the engine stores it (the `doc` of its item). */
export interface IncidentDoc {
  /** Unique across incidents: `<kind>-<host>-<opened, compact UTC>` (see dedupKeyOf). */
  readonly id: string;
  /** Increases by one per incident on this host and kind: a late write for an older one is refused. */
  readonly gen: number;
  readonly kind: Exclude<IncidentKind, 'backstop'>;
  readonly host: string;
  readonly openedAt: string;
  /** Open checks by name. */
  readonly checks: Readonly<Record<string, IncidentCheck>>;
  /** Every check that was part of the incident (a resolve names them all). */
  readonly members: readonly string[];
  readonly firstFailureAt: string;
  readonly resolvedAt?: string;
}

/** Console links: where the monitor's dashboard and the runner's log group are. */
export interface LinkTargets {
  readonly dashboard?: { readonly region: string; readonly name: string };
  readonly logs?: { readonly region: string; readonly group: string };
}

function consoleHost(region: string): string {
  const partition = partitionOf(region);
  if (partition === 'aws-cn') return `console.amazonaws.cn`;
  if (partition === 'aws-us-gov') return `console.amazonaws-us-gov.com`;
  return `${region}.console.aws.amazon.com`;
}

/**
 * Console URLs from region and names. The console's CloudWatch Logs route encodes a log group name
 * twice over (`/aws/lambda/x` → `$252Faws$252Flambda$252Fx`), as its own address bar shows.
 */
export function consoleLinks(targets: LinkTargets): Notification['links'] {
  const links: { dashboard?: string; logs?: string } = {};
  if (targets.dashboard) {
    const { region, name } = targets.dashboard;
    links.dashboard = `https://${consoleHost(region)}/cloudwatch/home?region=${region}#dashboards/dashboard/${encodeURIComponent(name)}`;
  }
  if (targets.logs) {
    const { region, group } = targets.logs;
    const encoded = encodeURIComponent(encodeURIComponent(group)).replace(/%/g, '$');
    links.logs = `https://${consoleHost(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${encoded}`;
  }
  return Object.keys(links).length ? links : undefined;
}

/**
 * The incident id: kind, host and the opening time, so it is unique across incidents (a host's
 * next incident opens later) without reading a counter.
 */
export function incidentId(kind: IncidentDoc['kind'], host: string, openedAtMs: number): string {
  const at = new Date(openedAtMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${kind}-${host}-${at}`;
}

/**
 * `synthmon/<monitor>/<incident id>` (contracts/notification.ts), cut to PagerDuty's 255 characters
 * by shortening the host part (the kind and time stay, so it stays unique in practice).
 */
export function dedupKeyOf(monitor: string, id: string): string {
  const key = `synthmon/${monitor}/${id}`;
  if (key.length <= DEDUP_KEY_MAX_CHARS) return key;
  const keep = DEDUP_KEY_MAX_CHARS - `synthmon/${monitor}/`.length;
  // The id ends in the time; keep its head and tail.
  const tail = id.slice(-17);
  return `synthmon/${monitor}/${id.slice(0, Math.max(1, keep - tail.length - 1))}~${tail}`.slice(0, DEDUP_KEY_MAX_CHARS);
}

/** Outcome and cause in words: `forbidden (HTTP 403): origin rejected: …`. */
export function outcomeInWords(outcome: Outcome, cause?: Cause): string {
  const meaning = OUTCOME_RUNBOOK[outcome].meaning;
  const head = meaning.toLowerCase().startsWith(outcome.replace('_', ' ')) ? meaning : `${outcome.replace('_', ' ')} (${meaning})`;
  return cause ? `${head}: ${CAUSE_GUIDE[cause].meaning}` : head;
}

/** At most `max` characters on one line (a cut is marked with …). */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

/** The check or group a page begins with: `ws-chat`, or `3 checks on api.example.com`. */
export function subjectOf(checks: readonly string[], host: string): string {
  return checks.length === 1 ? checks[0]! : `${checks.length} checks on ${host}`;
}

/** The most common (outcome, cause) among the open checks, the first check breaking ties: what the page leads with. */
function primary(doc: IncidentDoc): { name: string; check: IncidentCheck } {
  const names = Object.keys(doc.checks).sort();
  const count = (c: IncidentCheck) => names.filter((n) => doc.checks[n]!.outcome === c.outcome && doc.checks[n]!.cause === c.cause).length;
  const best = names.reduce((a, b) => (count(doc.checks[b]!) > count(doc.checks[a]!) ? b : a), names[0]!);
  return { name: best, check: doc.checks[best]! };
}

/** Build the notification for an incident event. `doc` for a resolve is the incident as it was last open. */
export function buildNotification(input: {
  readonly action: NotificationAction;
  readonly monitor: string;
  readonly doc: IncidentDoc;
  /** The last open state, for a resolve (its checks are what recovered). */
  readonly last?: IncidentDoc;
  readonly at: string;
  readonly links?: Notification['links'];
}): Notification {
  const { action, doc } = input;
  const shown = action === 'resolve' ? (input.last ?? doc) : doc;
  const { name, check } = primary(shown);
  const names = Object.keys(shown.checks).sort();
  const subject = subjectOf(action === 'resolve' ? [...doc.members].sort() : names, doc.host);
  const distinct = [...new Set(names.map((n) => `${shown.checks[n]!.outcome}${shown.checks[n]!.cause ? `/${shown.checks[n]!.cause}` : ''}`))];
  const what =
    distinct.length > 1
      ? `${distinct.map((d) => `${d} (${names.filter((n) => `${shown.checks[n]!.outcome}${shown.checks[n]!.cause ? `/${shown.checks[n]!.cause}` : ''}` === d).length})`).join(', ')}; ${name}: ${outcomeInWords(check.outcome, check.cause)}`
      : outcomeInWords(check.outcome, check.cause);
  const summary =
    action === 'resolve'
      ? clip(`${subject}: recovered (was ${what}; failing since ${doc.firstFailureAt})`, SUMMARY_MAX_CHARS)
      : clip(`${subject}: ${what} — ${check.fix}`, SUMMARY_MAX_CHARS);
  const message = names.length === 1 ? check.message : names.map((n) => `${n}: ${shown.checks[n]!.message}`).join('\n');
  const evidence: Record<string, string | number> = { ...(check.evidence ?? {}) };
  if (check.status !== undefined) evidence.status = check.status;
  if (check.closeCode !== undefined) evidence.closeCode = check.closeCode;
  const locations = [...new Map(names.flatMap((n) => shown.checks[n]!.locations).map((l) => [l.location, l])).values()].sort((a, b) =>
    a.location.localeCompare(b.location),
  );
  return {
    action,
    dedupKey: dedupKeyOf(input.monitor, doc.id),
    severity: doc.kind === 'endpoint' ? 'critical' : 'warning',
    kind: doc.kind,
    monitor: input.monitor,
    checks: action === 'resolve' ? [...doc.members].sort() : names,
    host: doc.host,
    outcome: check.outcome,
    ...(check.cause ? { cause: check.cause } : {}),
    ...(check.status !== undefined ? { status: check.status } : {}),
    summary,
    message,
    fix: check.fix,
    ...(Object.keys(evidence).length ? { evidence } : {}),
    locations,
    firstFailureAt: doc.firstFailureAt,
    at: input.at,
    ...(input.links ? { links: input.links } : {}),
  };
}
