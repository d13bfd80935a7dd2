/**
 * The backstop's page (docs/DESIGN.md#incidents, Backstop): a `backstop` Notification
 * (contracts/notification.ts) for one alarm episode, in the same words and channels as the
 * pipeline's pages. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import type { BackstopAlarm, BackstopAlarmClass } from '../../contracts/backstop';
import type { Notification, NotificationAction, Severity } from '../../contracts/notification';
import { clip, consoleLinks, DEDUP_KEY_MAX_CHARS, SUMMARY_MAX_CHARS } from '../incidents/page';
import { compactUtc } from './event';

/** At most this many check names travel in `checks` (a class alarm may cover a thousand; Teams takes 28 KB). */
export const MAX_LISTED_CHECKS = 25;
/** The alarm's reason as the page quotes it. */
const REASON_CHARS = 1_000;

/**
 * Severity per class. Critical: the endpoint classes (an endpoint is failing), Silent (a shard's
 * checks stopped running, so their endpoints are not watched) and RunnerDropped (Lambda dropped
 * scheduled runs: the same blindness). Warning: CertificateExpiring (days of notice before
 * anything fails) and NotificationFailures (the monitor's own delivery trouble: no endpoint is down,
 * and the page goes out through the very channels that may be failing).
 */
export const BACKSTOP_SEVERITY: Readonly<Record<BackstopAlarmClass, Severity>> = {
  Refused: 'critical',
  Forbidden: 'critical',
  Failing: 'critical',
  Silent: 'critical',
  RunnerDropped: 'critical',
  CertificateExpiring: 'warning',
  NotificationFailures: 'warning',
};

/**
 * `synthmon/<monitor>/alarm-<alarm name>-<YYYYMMDDTHHMMSSZ of the ALARM transition>`: stable for the
 * episode (its trigger and resolve), different for the alarm's next episode. PagerDuty's `dedup_key`
 * has a "maximum permitted length of 255 characters"
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/); a longer key keeps the
 * name's head and replaces the rest with 12 hex characters of its SHA-256, so it stays unique per
 * alarm.
 */
export function backstopDedupKey(monitor: string, alarmName: string, alarmSinceMs: number): string {
  const time = compactUtc(alarmSinceMs);
  const key = `synthmon/${monitor}/alarm-${alarmName}-${time}`;
  if (key.length <= DEDUP_KEY_MAX_CHARS) return key;
  const hash = createHash('sha256').update(alarmName).digest('hex').slice(0, 12);
  const fixed = `synthmon/${monitor}/alarm-`.length + `~${hash}-${time}`.length;
  const head = alarmName.slice(0, Math.max(0, DEDUP_KEY_MAX_CHARS - fixed));
  // A monitor name so long that nothing of the alarm's fits still ends in hash and time.
  return `synthmon/${monitor}/alarm-${head}~${hash}-${time}`.slice(-DEDUP_KEY_MAX_CHARS);
}

/** What the alarm covers, in words: the shard and location, the host, or the checks. */
export function coverageOf(alarm: BackstopAlarm): string {
  switch (alarm.class) {
    case 'Silent':
      return `shard ${alarm.shard ?? alarm.id}${alarm.location ? ` from ${alarm.location}` : ''} (${checkCount(alarm.checks.length)})`;
    case 'CertificateExpiring':
      return `the certificate of ${alarm.host ?? alarm.hosts[0] ?? alarm.id}`;
    case 'RunnerDropped':
      return `the runner of ${alarm.id}`;
    case 'NotificationFailures':
      return 'the notification channels';
    default:
      return checksInWords(alarm);
  }
}

function checkCount(n: number): string {
  return `${n.toLocaleString('en-US')} check${n === 1 ? '' : 's'}`;
}

/** `orders-api`, `3 checks on api.example.com`, `40 checks on 7 hosts`. */
function checksInWords(alarm: BackstopAlarm): string {
  const { checks, hosts } = alarm;
  if (checks.length === 1) return checks[0]!;
  if (checks.length === 0) return alarm.id;
  return `${checkCount(checks.length)} on ${hosts.length === 1 ? hosts[0] : `${hosts.length} hosts`}`;
}

/** The console links: the dashboard (when named) and the alarm itself. */
export function backstopLinks(input: {
  readonly region?: string;
  readonly dashboard?: string;
  readonly alarmName: string;
}): Notification['links'] | undefined {
  if (!input.region) return undefined;
  // The console host per partition lives in consoleLinks; the alarm's route shares it.
  const base = consoleLinks({ dashboard: { region: input.region, name: 'x' } })!.dashboard!.split('#')[0]!;
  return {
    ...(input.dashboard ? consoleLinks({ dashboard: { region: input.region, name: input.dashboard } }) : {}),
    alarm: `${base}#alarmsV2:alarm/${encodeURIComponent(input.alarmName)}`,
  };
}

/** Everything a backstop page says. */
export interface BackstopPageInput {
  readonly action: Extract<NotificationAction, 'trigger' | 'resolve'>;
  readonly monitor: string;
  readonly alarmName: string;
  readonly alarm: BackstopAlarm;
  /** When the alarm entered ALARM (epoch ms): the episode. */
  readonly alarmSinceMs: number;
  /** When this transition happened (epoch ms): the ALARM transition, or the return to OK. */
  readonly atMs: number;
  /** CloudWatch's reason for the transition. */
  readonly reason: string;
  readonly links?: Notification['links'];
  /** Said in the page when the incident store could not be read (the pipeline may have paged too). */
  readonly storeUnreachable?: boolean;
}

/** The notification for one transition of one alarm. */
export function buildBackstopNotification(input: BackstopPageInput): Notification {
  const { alarm, action } = input;
  const coverage = coverageOf(alarm);
  const since = new Date(input.alarmSinceMs).toISOString();
  const at = new Date(input.atMs).toISOString();
  const description = alarm.description.trim() || `See the alarm ${input.alarmName}.`;
  const storeNote = input.storeUnreachable
    ? ' The incident store could not be read, so the incident pipeline may have paged this failure too (the store outage is then the incident).'
    : '';
  const summary =
    action === 'resolve'
      ? clip(`${alarm.class}: ${coverage}: recovered (the alarm is OK again; in ALARM since ${since})`, SUMMARY_MAX_CHARS)
      : clip(`${alarm.class}: ${coverage} — ${description}`, SUMMARY_MAX_CHARS);
  const listed = alarm.checks.length <= MAX_LISTED_CHECKS ? [...alarm.checks].sort() : [];
  const covers =
    alarm.checks.length > MAX_LISTED_CHECKS
      ? ` It covers ${checkCount(alarm.checks.length)}: ${[...alarm.checks].sort().slice(0, MAX_LISTED_CHECKS).join(', ')}, and ${alarm.checks.length - MAX_LISTED_CHECKS} more.`
      : '';
  const message = clip(
    `CloudWatch alarm ${input.alarmName} (${alarm.id}) went ${action === 'resolve' ? 'from ALARM to OK' : 'to ALARM'} at ${at}: ${clip(input.reason || 'no reason given', REASON_CHARS)}.${covers}${storeNote}`,
    4_000,
  );
  const host = alarm.host ?? (alarm.hosts.length === 1 ? alarm.hosts[0] : undefined);
  // Only the endpoint classes read the store, and they are critical: a store outage pages as critical.
  const severity = BACKSTOP_SEVERITY[alarm.class];
  return {
    action,
    dedupKey: backstopDedupKey(input.monitor, input.alarmName, input.alarmSinceMs),
    severity,
    kind: 'backstop',
    monitor: input.monitor,
    checks: listed,
    ...(host ? { host } : {}),
    outcome: 'backstop',
    summary,
    message,
    fix: description,
    evidence: {
      alarm: input.alarmName,
      class: alarm.class,
      ...(alarm.shard ? { shard: alarm.shard } : {}),
      ...(alarm.location ? { location: alarm.location } : {}),
      checks: alarm.checks.length,
    },
    locations: [],
    firstFailureAt: since,
    at,
    ...(input.links ? { links: input.links } : {}),
  };
}
