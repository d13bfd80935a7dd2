/**
 * The contract between the CDK construct (lib/backstop.ts) and the backstop notifier
 * (lambda/backstop/), docs/DESIGN.md#incidents: the alarm-state EventBridge rule invokes the
 * notifier with CloudWatch's "Alarm State Change" events; the notifier reads this file from its
 * asset (beside backstop.js) to know what each of the monitor's alarms means, and pages the runner's
 * own channels (lambda/notify) unless the incident pipeline already paged, or a maintenance window
 * holds it. Kept free of SDK, CDK and zod imports: both sides load it.
 */
import type { ResolvedToken } from './config';
import type { MaintenanceWindow } from './maintenance-windows';

/** The notifier's file, next to backstop.js in its asset. */
export const BACKSTOP_FILE = 'backstop.json';

/** The handler the notifier function runs: backstop.js in the runner bundle, export `handler`. */
export const BACKSTOP_HANDLER = 'backstop.handler';

/**
 * The retries Lambda makes of a failed notifier invocation: the construct's async `retryAttempts`
 * (lib/backstop.ts) and the bound after which the notifier stops throwing for a channel
 * (lambda/backstop/deliver.ts). "Maximum number of times to retry when the function returns an
 * error. Minimum: 0, Maximum: 2" (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html).
 */
export const BACKSTOP_RETRY_ATTEMPTS = 2;

/** The notifier's memory: the SDK clients and one alarm's delivery, no probes (lib/backstop.ts deploys it, lib/cost/incidents.ts prices it). */
export const BACKSTOP_MEMORY_MB = 256;

/** The notifier's environment (the same names the runner uses for the same things). */
export const BackstopEnvVar = {
  /** The incident table (home region): open incidents, and the notifier's own delivery records. Required. */
  INCIDENT_TABLE: 'SYNTHMON_INCIDENT_TABLE',
  /** The monitor's SNS topic, where `emails` and `httpsEndpoints` subscribe (the email channel). @default - no email channel */
  TOPIC_ARN: 'SYNTHMON_TOPIC_ARN',
  /** The dashboard's name, for the console link. @default - no dashboard link */
  DASHBOARD: 'SYNTHMON_DASHBOARD',
} as const;

/** Every alarm class the monitor deploys, as the notifier tells them apart. */
export type BackstopAlarmClass = 'Refused' | 'Forbidden' | 'Failing' | 'Silent' | 'RunnerDropped' | 'CertificateExpiring' | 'NotificationFailures';

/**
 * The classes that watch an endpoint's checks: an incident the pipeline opened on one of their hosts
 * already paged their failure, so the notifier does not forward them (docs/DESIGN.md#incidents, Backstop).
 */
export const ENDPOINT_ALARM_CLASSES: readonly BackstopAlarmClass[] = ['Refused', 'Forbidden', 'Failing'];

/** What one deployed alarm means, by its name. */
export interface BackstopAlarm {
  readonly class: BackstopAlarmClass;
  /** The definition's id (lib/alarms/definitions.ts), e.g. `Refused60`, `Silent-s60-0-eu-west-1`. */
  readonly id: string;
  /** The alarm's description as deployed: what it means and what to check (the page's fix). */
  readonly description: string;
  /**
   * The checks the alarm covers: a class alarm every check of its interval, a fast check's Failing
   * its one check, Silent its shard's checks, CertificateExpiring the host's TLS checks;
   * RunnerDropped and NotificationFailures none.
   */
  readonly checks: readonly string[];
  /** The hosts of those checks (contracts/incident-keys.ts hostOf), where an open incident covers the alarm. */
  readonly hosts: readonly string[];
  /** Silent: the shard and the location that stopped publishing. */
  readonly shard?: string;
  readonly location?: string;
  /** CertificateExpiring: the TLS host. */
  readonly host?: string;
  /**
   * Indices into `BackstopFile.maintenance` of the windows that mute this alarm: exactly the mute
   * rules' targets (lib/muting.ts mutedAlarmIds), one source of truth for both.
   */
  readonly windows: readonly number[];
  /**
   * How long after an incident on one of `hosts` resolved it still covers this alarm (ms): the
   * alarm's evaluation range plus CloudWatch's delay, so an ALARM that CloudWatch raises after the
   * pipeline already paged and resolved the same failure is not a second page.
   */
  readonly coverMs: number;
}

/** The notifier's file: what the CDK app validated, for the notifier to use as is. */
export interface BackstopFile {
  readonly version: 1;
  /** The monitor's name (the stack), in every notification and its dedup key, as the runner writes it. */
  readonly monitor: string;
  /** The CloudWatch namespace (NotificationFailures{Channel} for deliveries that failed). */
  readonly namespace: string;
  /** The tokens the channels name (routing key, signing secret, webhook URLs), resolved as for the runner. */
  readonly tokens: Readonly<Record<string, ResolvedToken>>;
  /** The validated `notifications` block (contracts/config/notifications.ts). */
  readonly notifications: unknown;
  /** The configuration's maintenance windows. @default - none */
  readonly maintenance?: readonly MaintenanceWindow[];
  /** Every alarm of the monitor, by deployed alarm name. */
  readonly alarms: Readonly<Record<string, BackstopAlarm>>;
}

/**
 * The notifier's delivery record for one alarm episode, in the incident table:
 * `b#<alarm name>#<time the alarm entered ALARM>` (written before delivering; per-channel delivery
 * marks make a redelivered event or a Lambda retry send each channel at most once).
 */
export function backstopKey(alarmName: string, alarmSinceIso: string): string {
  return `b#${alarmName}#${alarmSinceIso}`;
}
