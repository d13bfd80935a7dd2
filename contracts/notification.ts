/**
 * What the incident pipeline hands to a channel: one notification about one incident. The incident
 * engine (lambda/incidents/) builds it from confirmed results; every channel (lambda/notify/)
 * renders it in its own format (PagerDuty Events API v2, Standard Webhooks, Slack, Teams, SNS) and
 * never adds facts of its own. Every text here is already redacted (no token, whole or in part).
 */
import type { Cause, Outcome } from './outcomes';

/** What happened to the incident: opened (page), changed cause or checks (update), ended (resolve). */
export type NotificationAction = 'trigger' | 'update' | 'resolve';

/** `critical` for an endpoint incident, `warning` for a monitor incident (`error` results, channel or runner trouble). */
export type Severity = 'critical' | 'warning';

/**
 * `endpoint`: the endpoint regressed (any outcome but ok and error). `monitor`: the probe could not
 * run (`error`: a token unreadable, a probe bug). `backstop`: a CloudWatch alarm the pipeline cannot
 * raise itself (runner silent, runner dropped, certificate expiring, channel failing).
 */
export type IncidentKind = 'endpoint' | 'monitor' | 'backstop';

/** What one location saw in the incident's latest window. */
export interface LocationVerdict {
  readonly location: string;
  readonly outcome: Outcome;
  readonly cause?: Cause;
  readonly status?: number;
  /** When that location's reported attempt started (ISO 8601). */
  readonly at: string;
}

/** One notification about one incident, the same for every channel. */
export interface Notification {
  readonly action: NotificationAction;
  /**
   * Stable for the whole incident, the same in its trigger, updates and resolve, and unique across
   * incidents: `synthmon/<monitor>/<incident id>` (at most 255 characters, PagerDuty's limit).
   */
  readonly dedupKey: string;
  readonly severity: Severity;
  readonly kind: IncidentKind;
  /** The monitor's name (stack / construct), so several monitors can share one channel. */
  readonly monitor: string;
  /** The checks in the incident (one, or a group on one host: the storm guard). */
  readonly checks: readonly string[];
  /** The host the checks probe, when the incident is about one host. */
  readonly host?: string;
  readonly outcome: Outcome | 'backstop';
  readonly cause?: Cause;
  readonly status?: number;
  /**
   * One line, at most 1,024 characters (PagerDuty's `payload.summary`), beginning with the check
   * name or the group ("3 checks on api.example.com"), then the outcome and cause in words, then the fix.
   */
  readonly summary: string;
  /** The probe's message: what happened, with the evidence. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
  /** Evidence from the reported attempt, redacted: a body excerpt, a close code, a header or two. */
  readonly evidence?: Readonly<Record<string, string | number>>;
  /** Each location's latest verdict. */
  readonly locations: readonly LocationVerdict[];
  /** First confirmed failure of the incident (ISO 8601). */
  readonly firstFailureAt: string;
  /** When the event this notification reports happened (ISO 8601): the quorum reached, the cause changed, recovery. */
  readonly at: string;
  /**
   * Console links, when the region and names are known: the dashboard, the runner's log group, and
   * (a `backstop` notification) the CloudWatch alarm that raised it.
   */
  readonly links?: { readonly dashboard?: string; readonly logs?: string; readonly alarm?: string };
}

/** The outcome of delivering one notification to one channel. */
export interface Delivery {
  /** The channel's id, e.g. `pagerDuty`, `webhooks[0]`, `slack`. */
  readonly channel: string;
  readonly ok: boolean;
  /** A later run may succeed (network error, 429, 5xx); false for a configuration problem (other 4xx). */
  readonly retryable: boolean;
  readonly attempts: number;
  readonly status?: number;
  /** Why it failed, redacted (never a routing key, URL secret or signing secret). */
  readonly error?: string;
}
