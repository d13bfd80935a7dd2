/**
 * The event the backstop notifier receives (docs/DESIGN.md#incidents, Backstop): CloudWatch's
 * "Alarm State Change", as EventBridge delivers it. "CloudWatch sends events to Amazon EventBridge
 * whenever a CloudWatch alarm is created, updated, deleted, or changes alarm state" and "CloudWatch
 * guarantees the delivery of alarm state change events to EventBridge"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 * That page's example carries, beside `"detail-type": "CloudWatch Alarm State Change"` and
 * `"time": "2019-10-02T17:04:40Z"`, a `detail` with `alarmName`, `configuration.description`, and
 * `state` / `previousState`, each `{ "reason", "reasonData", "timestamp":
 * "2019-10-01T13:56:40.987+0000", "value": "OK" }`: `state.timestamp` is when the alarm entered its
 * new state, `previousState.timestamp` when it entered the one it left. No SDK or CDK import.
 */

/** The alarm states CloudWatch reports. */
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** One side of a transition, as the event carries it. */
export interface AlarmStateDetail {
  readonly value: AlarmStateValue | string;
  readonly reason?: string;
  readonly reasonData?: string;
  /** `2019-10-01T13:56:40.987+0000` in the documentation's example. */
  readonly timestamp?: string;
}

/** An "Alarm State Change" event (the fields the notifier reads). */
export interface AlarmStateChangeEvent {
  readonly version?: string;
  readonly id?: string;
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly account?: string;
  /** When EventBridge recorded the event (ISO 8601, seconds). */
  readonly time?: string;
  readonly region?: string;
  readonly resources?: readonly string[];
  readonly detail?: {
    readonly alarmName?: string;
    readonly configuration?: { readonly description?: string };
    readonly state?: AlarmStateDetail;
    readonly previousState?: AlarmStateDetail;
  };
}

/** What the notifier does with a transition. */
export type TransitionKind = 'trigger' | 'resolve' | 'ignore';

/** A transition the notifier understood. */
export interface Transition {
  readonly kind: TransitionKind;
  readonly alarmName: string;
  readonly from: string;
  readonly to: string;
  /** When the alarm entered its new state (epoch ms): the trigger's or the resolve's time. */
  readonly atMs: number;
  /**
   * When the alarm entered ALARM (epoch ms): the episode this transition belongs to. For a trigger
   * the new state's timestamp, for a resolve the left state's, so both name the same episode.
   */
  readonly alarmSinceMs: number;
  readonly reason: string;
  /** The alarm's region (the event's, else the ARN's). */
  readonly region?: string;
  /** Why it is ignored, for the log. */
  readonly why?: string;
}

/**
 * An alarm timestamp in epoch ms: ISO 8601 with `Z`, `+00:00` or the documentation's `+0000`;
 * undefined when it does not parse.
 */
export function parseAlarmTime(text: string | undefined): number | undefined {
  if (typeof text !== 'string') return undefined;
  const normalized = text.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(normalized);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * What a state change means for the notifier: a transition to ALARM pages (`trigger`), ALARM → OK
 * resolves. Everything else is ignored: INSUFFICIENT_DATA → OK is every new alarm's first
 * evaluation (a fresh deploy sends nothing), → INSUFFICIENT_DATA is no news, and ALARM → ALARM is
 * not a transition (the episode already paged). Returns undefined for something that is not an
 * alarm state change at all.
 */
export function transitionOf(event: AlarmStateChangeEvent | null | undefined, nowMs: number): Transition | undefined {
  const detail = event?.detail;
  const alarmName = detail?.alarmName;
  if (typeof alarmName !== 'string' || !alarmName || !detail?.state || typeof detail.state.value !== 'string') return undefined;
  const to = detail.state.value;
  const from = typeof detail.previousState?.value === 'string' ? detail.previousState.value : 'INSUFFICIENT_DATA';
  // A missing state timestamp falls back to the event's time, then to now: the page must still go.
  const eventTime = parseAlarmTime(event?.time);
  const atMs = parseAlarmTime(detail.state.timestamp) ?? eventTime ?? nowMs;
  const region = event?.region ?? event?.resources?.[0]?.split(':')[3];
  const base = { alarmName, from, to, atMs, reason: detail.state.reason ?? '', ...(region ? { region } : {}) };
  if (to === 'ALARM' && from !== 'ALARM') return { ...base, kind: 'trigger', alarmSinceMs: atMs };
  if (to === 'OK' && from === 'ALARM') {
    const since = parseAlarmTime(detail.previousState?.timestamp);
    // Without the left state's time the episode cannot be named, so nothing can be resolved safely.
    if (since === undefined) return { ...base, kind: 'ignore', alarmSinceMs: atMs, why: 'ALARM → OK without previousState.timestamp' };
    return { ...base, kind: 'resolve', alarmSinceMs: since };
  }
  const why =
    to === 'OK'
      ? `${from} → OK is not a recovery from ALARM (a new alarm's first evaluation, or a deploy)`
      : to === 'ALARM'
        ? 'ALARM → ALARM is not a transition'
        : `${from} → ${to} is not paged`;
  return { ...base, kind: 'ignore', alarmSinceMs: atMs, why };
}

/** The compact UTC time of a dedup key: `20261205T071500Z`. */
export function compactUtc(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
