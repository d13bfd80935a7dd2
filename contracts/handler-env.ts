/**
 * The contract between the CDK construct and the runner Lambda: the environment variables the
 * construct sets, the fleet file it writes into the function's asset, and the scheduled event.
 * Kept free of SDK and probe imports so the CDK app loads it cheaply.
 */
import type { MaintenanceWindow } from './config/maintenance';
import type { Check, ResolvedToken } from './config';
import { REGION_RE } from './fleet';

/** Names of the runner's environment variables. */
export const HandlerEnvVar = {
  /** The location label this runner publishes as (the Location dimension of its heartbeat). Required. */
  LOCATION: 'SYNTHMON_LOCATION',
  /** Region holding the metrics, alarms and tokens. @default - the function's own region (AWS_REGION) */
  HOME_REGION: 'SYNTHMON_HOME_REGION',
  /**
   * The incident table in the home region (docs/DESIGN.md#incidents). @default - unset: no incident
   * pipeline (results are published, nothing is paged by the runner)
   */
  INCIDENT_TABLE: 'SYNTHMON_INCIDENT_TABLE',
  /** The monitor's dashboard name, for the console link in a page. @default - no dashboard link */
  DASHBOARD: 'SYNTHMON_DASHBOARD',
  /**
   * The monitor's SNS topic (home region), where `emails` and `httpsEndpoints` subscribe: the email
   * channel publishes there (docs/DESIGN.md#notification-channels). The same name as the backstop
   * notifier's (contracts/backstop.ts BackstopEnvVar.TOPIC_ARN). @default - unset: the email channel
   * reports that it has no topic
   */
  TOPIC_ARN: 'SYNTHMON_TOPIC_ARN',
} as const;

/**
 * A standard SNS topic's ARN. Topic names: "Up to 256 characters. Alphanumeric characters, hyphens
 * (-) and underscores (_) are allowed." (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html)
 */
export const TOPIC_ARN_RE = new RegExp(`^arn:aws[a-z-]*:sns:${REGION_RE.source.slice(1, -1)}:\\d{12}:[A-Za-z0-9_-]{1,256}$`);

/**
 * Whether the runner publishes to the monitor's topic: its email channel is on when the topic has
 * subscribers from the configuration (`notifications.emails` or `httpsEndpoints`). One rule for the
 * channel (lambda/notify/index.ts) and the runner's grant (lib/runner.ts).
 */
export function usesMonitorTopic(notifications: { readonly emails?: readonly string[]; readonly httpsEndpoints?: readonly string[] }): boolean {
  return Boolean(notifications.emails?.length || notifications.httpsEndpoints?.length);
}

/** A DynamoDB table name: "3 to 255 characters, a-z, A-Z, 0-9, _ (underscore), - (dash), and . (dot)" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html). */
export const TABLE_NAME_RE = /^[A-Za-z0-9_.-]{3,255}$/;

/** The fleet file's name, next to the handler's index.js in the asset. */
export const FLEET_FILE = 'fleet.json';

/** One shard as the runner receives it: the validated checks, defaults applied. */
export interface FleetShard {
  readonly intervalSeconds: number;
  /** Ticks per invocation (fast shards: 60 / interval; else 1). */
  readonly ticks: number;
  readonly checks: readonly Check[];
}

/** The fleet file: what the CDK app validated, for the runner to run as is. */
export interface FleetFile {
  readonly version: 1;
  readonly namespace: string;
  readonly phaseTimings: boolean;
  readonly tokens: Readonly<Record<string, ResolvedToken>>;
  readonly shards: Readonly<Record<string, FleetShard>>;
  /** What the incident engine needs beyond the checks. @default - no incident pipeline */
  readonly incidents?: FleetIncidents;
}

/** The incident engine's part of the fleet file (docs/DESIGN.md#incidents). */
export interface FleetIncidents {
  /** The monitor's name (the stack), in every notification and its dedup key. */
  readonly monitor: string;
  /** Every location label that probes (the runners' SYNTHMON_LOCATION values). */
  readonly locations: readonly string[];
  /** Locations that must see a failure (or a recovery) before the incident opens (or resolves). */
  readonly quorum: number;
  /** Consecutive passing runs at quorum before a resolve. */
  readonly resolveAfterRuns: number;
  /** The validated `notifications` block, for the channels. */
  readonly notifications: unknown;
  /** The configuration's maintenance windows (contracts/config/maintenance.ts): pages held back inside them. Absent when there are none. */
  readonly maintenance?: readonly MaintenanceWindow[];
}

/**
 * The scheduled event. `scheduledTime` is EventBridge Scheduler's `<aws.scheduler.scheduled-time>`
 * context attribute, the base of the run's datapoint timestamps.
 */
export interface ShardEvent {
  readonly shard: string;
  readonly scheduledTime?: string;
}

/** The runner's environment, read once per container. */
export interface HandlerEnv {
  readonly location: string;
  readonly homeRegion?: string;
  /** The incident table's name (SYNTHMON_INCIDENT_TABLE). */
  readonly incidentTable?: string;
  /** The dashboard's name (SYNTHMON_DASHBOARD). */
  readonly dashboard?: string;
  /** The monitor's SNS topic (SYNTHMON_TOPIC_ARN), for the email channel. */
  readonly topicArn?: string;
}

/** Thrown when the environment is incomplete; the invocation fails so the function's Errors metric shows it. */
export class HandlerEnvError extends Error {
  readonly code = 'SYNTHMON_ENV_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'HandlerEnvError';
  }
}

/** Read and check the runner's environment (throws HandlerEnvError naming the variable). */
export function readHandlerEnv(env: NodeJS.ProcessEnv): HandlerEnv {
  const location = env[HandlerEnvVar.LOCATION]?.trim();
  if (!location) throw new HandlerEnvError(`Environment variable ${HandlerEnvVar.LOCATION} is required`);
  const homeRegion = env[HandlerEnvVar.HOME_REGION]?.trim() || undefined;
  if (homeRegion !== undefined && !REGION_RE.test(homeRegion)) {
    throw new HandlerEnvError(`Environment variable ${HandlerEnvVar.HOME_REGION} must be an AWS region name, got ${JSON.stringify(homeRegion)}`);
  }
  const incidentTable = env[HandlerEnvVar.INCIDENT_TABLE]?.trim() || undefined;
  if (incidentTable !== undefined && !TABLE_NAME_RE.test(incidentTable)) {
    throw new HandlerEnvError(
      `Environment variable ${HandlerEnvVar.INCIDENT_TABLE} must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -), got ${JSON.stringify(incidentTable.slice(0, 300))}`,
    );
  }
  const dashboard = env[HandlerEnvVar.DASHBOARD]?.trim() || undefined;
  const topicArn = readTopicArn(env);
  return {
    location,
    ...(homeRegion ? { homeRegion } : {}),
    ...(incidentTable ? { incidentTable } : {}),
    ...(dashboard ? { dashboard } : {}),
    ...(topicArn ? { topicArn } : {}),
  };
}

/**
 * The monitor topic's ARN from SYNTHMON_TOPIC_ARN (the runner and `synthmon probe --notify` alike):
 * undefined when unset or blank; a value that is not a standard topic's ARN throws HandlerEnvError
 * naming the variable and what it got.
 */
export function readTopicArn(env: NodeJS.ProcessEnv): string | undefined {
  const topicArn = env[HandlerEnvVar.TOPIC_ARN]?.trim() || undefined;
  if (topicArn !== undefined && !TOPIC_ARN_RE.test(topicArn)) {
    throw new HandlerEnvError(
      `Environment variable ${HandlerEnvVar.TOPIC_ARN} must be a standard SNS topic's ARN (arn:<partition>:sns:<region>:<account id>:<topic name of 1-256 A-Z a-z 0-9 _ ->), got ${JSON.stringify(topicArn.slice(0, 300))}`,
    );
  }
  return topicArn;
}
