/**
 * PagerDuty Events API v2 (docs/DESIGN.md#notification-channels): a trigger when an incident opens,
 * the same trigger again when it changes, a resolve when it ends, all with the incident's dedup_key.
 *
 * Field rules, from https://developer.pagerduty.com/docs/events-api-v2/trigger-events/:
 * - `dedup_key`: "The maximum permitted length of this property is 255 characters."
 * - `payload.summary`: "The maximum permitted length of this property is 1024 characters."
 * - `payload.severity`: "This can be `critical`, `error`, `warning` or `info`."
 * - A repeated trigger: "`trigger` | A new alert is opened or a trigger log entry is created on an
 *   existing alert if one already exists with the same `dedup_key`." So an update re-sends trigger:
 *   it lands in the open alert's log, it does not open a second incident
 *   (https://support.pagerduty.com/docs/event-management: "Subsequent alerts with a matching
 *   dedup_key deduplicate into the same incident, and the new event is appended to the incident's
 *   Alerts log as an additional Trigger log entry").
 * - A resolve needs only routing_key, dedup_key and event_action (the documented Resolve example).
 * Size: "Events API payloads are limited to **512 KB**" (https://developer.pagerduty.com/docs/events-api-v2/overview/).
 */
import type { Notification } from '../../contracts/notification';
import type { Channel } from './channel';
import { httpChannel, bodyExcerpt, type BuiltRequest, type HttpChannelContext } from './http-channel';
import { checksLabel, cut, linkList, locationsLabel, notificationJson, outcomeLabel } from './text';

/** PagerDuty's documented limits (see above). */
export const PAGERDUTY_LIMITS = {
  dedupKey: 255,
  summary: 1024,
  payloadBytes: 512 * 1024,
} as const;

/** The message evidence is cut to this when an event would otherwise pass PAGERDUTY_LIMITS.payloadBytes. */
const FALLBACK_MESSAGE_CHARS = 4_000;

/** `notifications.pagerDuty`, its URL defaulted. */
export interface PagerDutyChannelConfig {
  readonly routingKey: string;
  readonly url: string;
}

/** The Events API v2 event for a notification (without the routing key: added at send time). */
export function pagerDutyEvent(n: Notification): Record<string, unknown> {
  const action = n.action === 'resolve' ? 'resolve' : 'trigger';
  if (action === 'resolve') return { event_action: 'resolve', dedup_key: n.dedupKey };
  const details = notificationJson(n);
  const event: Record<string, unknown> = {
    event_action: 'trigger',
    dedup_key: n.dedupKey,
    payload: {
      summary: cut(n.summary, PAGERDUTY_LIMITS.summary),
      source: locationsLabel(n),
      severity: n.severity,
      timestamp: n.at,
      component: n.host ?? checksLabel(n),
      group: n.monitor,
      class: outcomeLabel(n),
      custom_details: {
        // The fields an on-call reader (and PagerDuty's event rules) look for first.
        outcome: n.outcome,
        cause: n.cause ?? null,
        status: n.status ?? null,
        message: n.message,
        fix: n.fix,
        locations: n.locations,
        ...details,
      },
    },
    client: 'synthmon',
    ...(n.links?.dashboard ? { client_url: n.links.dashboard } : {}),
    ...(linkList(n).length ? { links: linkList(n) } : {}),
  };
  return event;
}

/** The event as JSON within PagerDuty's size limit: evidence dropped and the message cut if needed. */
function eventBody(routingKey: string, n: Notification): string {
  const body = JSON.stringify({ routing_key: routingKey, ...pagerDutyEvent(n) });
  if (Buffer.byteLength(body) <= PAGERDUTY_LIMITS.payloadBytes) return body;
  const { evidence: _dropped, ...rest } = n;
  const smaller: Notification = { ...rest, message: cut(n.message, FALLBACK_MESSAGE_CHARS) };
  return JSON.stringify({ routing_key: routingKey, ...pagerDutyEvent(smaller) });
}

/** PagerDuty's error answer names the problem in `errors` ("Invalid routing key"). */
function explain(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(parsed.errors) ? parsed.errors.filter((e) => typeof e === 'string').join('; ') : '';
    const said = [typeof parsed.message === 'string' ? parsed.message : '', errors].filter(Boolean).join(': ');
    if (said) return bodyExcerpt(said);
  } catch {
    // Not JSON (a proxy's page): its start.
  }
  return bodyExcerpt(body);
}

/** The `pagerDuty` channel. */
export function pagerDutyChannel(config: PagerDutyChannelConfig, ctx: HttpChannelContext): Channel {
  const origin = new URL(config.url).origin;
  return httpChannel(
    {
      id: 'pagerDuty',
      what: origin === new URL('https://events.pagerduty.com').origin ? 'PagerDuty' : `PagerDuty (${origin})`,
      tokens: [config.routingKey],
      build(secrets, n): BuiltRequest {
        if (n.dedupKey.length > PAGERDUTY_LIMITS.dedupKey) {
          return { problem: `dedup_key is ${n.dedupKey.length} characters; PagerDuty allows at most ${PAGERDUTY_LIMITS.dedupKey}` };
        }
        return {
          url: config.url,
          headers: { 'content-type': 'application/json' },
          body: eventBody(secrets[config.routingKey]!, n),
        };
      },
      explain: (answer) => explain(answer.body),
    },
    ctx,
  );
}
