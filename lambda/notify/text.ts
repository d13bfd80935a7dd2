/**
 * The words every channel shares, built from one Notification (docs/DESIGN.md#notification-channels):
 * what happened in a line, what each location saw, the plain-text page. Channels add only their
 * format; nothing here adds facts the engine did not give.
 */
import type { Notification } from '../../contracts/notification';

/**
 * `text` cut to at most `max` UTF-16 code units, keeping the beginning and ending with "…" when cut;
 * never splits a surrogate pair, so the result is also at most `max` code points.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // A high surrogate at the cut would leave half a character.
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** One line: control characters (line breaks included) become spaces, runs of spaces one. */
export function oneLine(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

const ACTION_LABEL = { trigger: 'Incident opened', update: 'Incident updated', resolve: 'Resolved' } as const satisfies Record<
  Notification['action'],
  string
>;

/** "Incident opened", "Incident updated", "Resolved". */
export function actionLabel(n: Notification): string {
  return ACTION_LABEL[n.action];
}

/** The check, or the group: "orders-api", "3 checks on api.example.com". */
export function checksLabel(n: Notification): string {
  if (n.checks.length === 1) return n.checks[0]!;
  if (n.checks.length === 0) return n.monitor;
  return `${n.checks.length} checks${n.host ? ` on ${n.host}` : ''}`;
}

/** "forbidden (origin_rejected)", "refused", "backstop". */
export function outcomeLabel(n: Notification): string {
  return n.cause ? `${n.outcome} (${n.cause})` : n.outcome;
}

/** The locations, comma-separated ("eu-west-1, us-east-1"), or the monitor when none reported. */
export function locationsLabel(n: Notification): string {
  return n.locations.length ? n.locations.map((l) => l.location).join(', ') : n.monitor;
}

/** What each location saw, one line each: "eu-west-1: forbidden (origin_rejected), HTTP 403, at 2026-12-04T16:00:01Z". */
export function locationLines(n: Notification): string[] {
  return n.locations.map(
    (l) => `${l.location}: ${l.cause ? `${l.outcome} (${l.cause})` : l.outcome}${l.status !== undefined ? `, HTTP ${l.status}` : ''}, at ${l.at}`,
  );
}

/** The page as plain text (email, the SNS default message). */
export function plainText(n: Notification): string {
  const lines = [
    `${actionLabel(n)} (${n.severity}): ${n.summary}`,
    '',
    `Checks: ${n.checks.join(', ') || '-'}${n.host ? ` on ${n.host}` : ''}`,
    `Outcome: ${outcomeLabel(n)}${n.status !== undefined ? `, HTTP ${n.status}` : ''}`,
    '',
    `What happened: ${n.message}`,
    `Fix: ${n.fix}`,
  ];
  if (n.evidence && Object.keys(n.evidence).length) {
    lines.push('', 'Evidence:', ...Object.entries(n.evidence).map(([k, v]) => `  ${k}: ${v}`));
  }
  if (n.locations.length) lines.push('', 'Locations:', ...locationLines(n).map((l) => `  ${l}`));
  lines.push('', `First failure: ${n.firstFailureAt}`, `This event: ${n.at}`);
  if (n.links?.dashboard) lines.push(`Dashboard: ${n.links.dashboard}`);
  if (n.links?.logs) lines.push(`Logs: ${n.links.logs}`);
  if (n.links?.alarm) lines.push(`Alarm: ${n.links.alarm}`);
  lines.push('', `Monitor: ${n.monitor}; incident ${n.dedupKey}`);
  return lines.join('\n');
}

/** The links a channel attaches, in order (dashboard first, then logs, then the alarm of a backstop page). */
export function linkList(n: Notification): Array<{ readonly href: string; readonly text: string }> {
  const out: Array<{ href: string; text: string }> = [];
  if (n.links?.dashboard) out.push({ href: n.links.dashboard, text: 'Dashboard' });
  if (n.links?.logs) out.push({ href: n.links.logs, text: 'Logs' });
  if (n.links?.alarm) out.push({ href: n.links.alarm, text: 'Alarm' });
  return out;
}

/**
 * The JSON every structured channel carries (the webhook's `data`, PagerDuty's `custom_details`,
 * SNS's JSON protocols): the notification's own fields, nothing added.
 */
export function notificationJson(n: Notification): Record<string, unknown> {
  return {
    action: n.action,
    dedupKey: n.dedupKey,
    severity: n.severity,
    kind: n.kind,
    monitor: n.monitor,
    checks: n.checks,
    ...(n.host !== undefined ? { host: n.host } : {}),
    outcome: n.outcome,
    ...(n.cause !== undefined ? { cause: n.cause } : {}),
    ...(n.status !== undefined ? { status: n.status } : {}),
    summary: n.summary,
    message: n.message,
    fix: n.fix,
    ...(n.evidence !== undefined ? { evidence: n.evidence } : {}),
    locations: n.locations,
    firstFailureAt: n.firstFailureAt,
    at: n.at,
    ...(n.links !== undefined ? { links: n.links } : {}),
  };
}
