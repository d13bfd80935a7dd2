/**
 * The monitor's alarm notifications (docs/DESIGN.md, "Alarms"): the alarms have no actions; one
 * EventBridge rule forwards only the real transitions of this monitor's alarms — to ALARM, and
 * ALARM → OK — never INSUFFICIENT_DATA → OK, so a fresh deploy, an update and every warm-up send
 * nothing.
 *
 * "CloudWatch sends events to Amazon EventBridge whenever a CloudWatch alarm changes alarm state"
 * and "CloudWatch guarantees the delivery of alarm state change events to EventBridge"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 * The event, from that page's example: `"detail-type": "CloudWatch Alarm State Change"`,
 * `"source": "aws.cloudwatch"`, `"resources": ["arn:aws:cloudwatch:…:alarm:ServerCpuTooHigh"]`,
 * `"detail": { "alarmName": "ServerCpuTooHigh", …, "previousState": { …, "value": "OK" },
 * "state": { …, "value": "ALARM" } }`; a new alarm's first change has
 * `"previousState": { "reason": "Unchecked: Initial alarm creation", …, "value": "INSUFFICIENT_DATA" }`.
 * The pattern uses prefix matching (`"Region": [ {"prefix": "us-" } ]`) and `$or`
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html:
 * "Comparison operators only work on leaf nodes, with the exception of $or and anything-but").
 * No CDK import: the local evaluator's tests match transitions against the deployed pattern with
 * `matchesEventPattern`.
 */
import { AlarmState } from './alarm-state';

/** The event pattern of the monitor's notification rule: its alarms (by name prefix), only → ALARM and ALARM → OK. */
export function alarmStateChangePattern(alarmNamePrefix: string) {
  return {
    source: ['aws.cloudwatch'],
    detailType: ['CloudWatch Alarm State Change'],
    detail: {
      alarmName: [{ prefix: `${alarmNamePrefix}-` }],
      $or: [{ state: { value: [AlarmState.ALARM] } }, { state: { value: [AlarmState.OK] }, previousState: { value: [AlarmState.ALARM] } }],
    },
  };
}

/** An alarm state change event as CloudWatch sends it (the fields a pattern can match). */
export interface AlarmStateChangeEvent {
  readonly source: 'aws.cloudwatch';
  readonly 'detail-type': 'CloudWatch Alarm State Change';
  readonly detail: {
    readonly alarmName: string;
    readonly state: { readonly value: AlarmState };
    readonly previousState: { readonly value: AlarmState };
  };
}

/** The event CloudWatch sends for an alarm-level transition. */
export function alarmStateChangeEvent(alarmName: string, from: AlarmState, to: AlarmState): AlarmStateChangeEvent {
  return {
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    detail: { alarmName, state: { value: to }, previousState: { value: from } },
  };
}

/**
 * Whether an event matches an EventBridge pattern as it stands in a template (`detail-type`, not
 * CDK's `detailType`): the subset the rule uses — arrays of exact strings, `{ prefix }`, nested
 * objects and `$or`. Anything else in the pattern throws, so a pattern this cannot judge never
 * passes a test by accident.
 */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new TypeError(`a pattern must be an object, got ${JSON.stringify(pattern)}`);
  return Object.entries(pattern).every(([key, rule]) => {
    if (key === '$or') {
      if (!Array.isArray(rule)) throw new TypeError('$or must be an array of patterns');
      return rule.some((alt) => matchesEventPattern(alt, event));
    }
    const value = isObject(event) ? event[key] : undefined;
    if (Array.isArray(rule)) {
      return rule.some((r) => {
        if (typeof r === 'string') return value === r;
        if (isObject(r) && typeof r.prefix === 'string' && Object.keys(r).length === 1)
          return typeof value === 'string' && value.startsWith(r.prefix);
        throw new TypeError(`unsupported pattern value ${JSON.stringify(r)}`);
      });
    }
    if (isObject(rule)) return isObject(value) && matchesEventPattern(rule, value);
    throw new TypeError(`unsupported pattern rule for ${key}: ${JSON.stringify(rule)}`);
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
