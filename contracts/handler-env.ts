/**
 * The contract between the CDK construct and the runner Lambda: the environment variables the
 * construct sets, the fleet file it writes into the function's asset, and the scheduled event.
 * Kept free of SDK and probe imports so the CDK app loads it cheaply.
 */
import type { Check, ResolvedToken } from './config';
import { REGION_RE } from './fleet';

/** Names of the runner's environment variables. */
export const HandlerEnvVar = {
  /** The location label this runner publishes as (the Location dimension of its heartbeat). Required. */
  LOCATION: 'SYNTHMON_LOCATION',
  /** Region holding the metrics, alarms and tokens. @default - the function's own region (AWS_REGION) */
  HOME_REGION: 'SYNTHMON_HOME_REGION',
} as const;

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
  return { location, ...(homeRegion ? { homeRegion } : {}) };
}
