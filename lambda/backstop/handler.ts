/**
 * The backstop notifier's Lambda entry point (docs/DESIGN.md#incidents, Backstop), shipped as
 * `backstop.js` in the runner bundle (contracts/backstop.ts BACKSTOP_HANDLER). The alarm-state
 * EventBridge rule invokes it asynchronously with CloudWatch's "Alarm State Change" events
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
 * Deliberately thin: on a container's first invocation it reads the environment and backstop.json
 * (beside this file in the asset), builds the token store, the channels and the clients, once; then
 * every event goes to `handle` (notifier.ts) with the time the Lambda context says is left.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BACKSTOP_FILE, BackstopEnvVar, type BackstopFile } from '../../contracts/backstop';
import type { NotificationsConfig } from '../../contracts/config/notifications';
import { TABLE_NAME_RE } from '../../contracts/handler-env';
import { publishNotificationFailures } from '../incidents/metrics';
import { createStoreClient, IncidentStore } from '../incidents/store';
import { createCloudWatchClient } from '../metrics/publish';
import { createChannels, type ChannelDeps } from '../notify';
import { cloudTokenStore } from '../tokens';
import type { AlarmStateChangeEvent } from './event';
import { handle, type BackstopDeps, type BackstopReport } from './notifier';

export { handle, type BackstopDeps, type BackstopReport } from './notifier';

/**
 * The metric's client: at most two attempts of 2 s, so publishing fits in the FINISH_RESERVE_MS
 * after the deliveries (the shared runner client allows 4 × 5 s).
 */
const METRIC_CLIENT_SETTINGS = { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 2 } as const;

/** An SNS topic ARN ("Up to 256 characters. Alphanumeric characters, hyphens (-) and underscores (_)", API_CreateTopic). */
const TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Thrown when the environment is incomplete; the invocation fails so the function's Errors metric shows it. */
export class BackstopEnvError extends Error {
  readonly code = 'SYNTHMON_ENV_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'BackstopEnvError';
  }
}

/** The notifier's environment, read once per container. */
export interface BackstopEnv {
  readonly incidentTable: string;
  readonly topicArn?: string;
  readonly dashboard?: string;
}

/** Read and check the environment (throws BackstopEnvError naming the variable). */
export function readBackstopEnv(env: NodeJS.ProcessEnv): BackstopEnv {
  const incidentTable = env[BackstopEnvVar.INCIDENT_TABLE]?.trim();
  if (!incidentTable) throw new BackstopEnvError(`Environment variable ${BackstopEnvVar.INCIDENT_TABLE} is required`);
  if (!TABLE_NAME_RE.test(incidentTable)) {
    throw new BackstopEnvError(
      `Environment variable ${BackstopEnvVar.INCIDENT_TABLE} must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -), got ${JSON.stringify(incidentTable.slice(0, 300))}`,
    );
  }
  const topicArn = env[BackstopEnvVar.TOPIC_ARN]?.trim() || undefined;
  if (topicArn !== undefined && !TOPIC_ARN_RE.test(topicArn)) {
    throw new BackstopEnvError(
      `Environment variable ${BackstopEnvVar.TOPIC_ARN} must be an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:alerts, got ${JSON.stringify(topicArn.slice(0, 300))}`,
    );
  }
  const dashboard = env[BackstopEnvVar.DASHBOARD]?.trim() || undefined;
  return { incidentTable, ...(topicArn ? { topicArn } : {}), ...(dashboard ? { dashboard } : {}) };
}

/** Read backstop.json from `dir`; a missing or foreign file fails every invocation, loudly. */
export function loadBackstopFile(dir: string): BackstopFile {
  const file = path.join(dir, BACKSTOP_FILE);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as BackstopFile;
  if (parsed?.version !== 1 || typeof parsed.alarms !== 'object' || parsed.alarms === null || typeof parsed.monitor !== 'string') {
    throw new Error(`${file} is not a synthmon backstop file (version 1, with monitor and alarms)`);
  }
  return parsed;
}

/** Build the dependencies from the environment and the file (the container's one-time work). */
export function createBackstopDeps(options: {
  readonly dir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Extra channel dependencies (tests: a CA for loopback HTTPS receivers). */
  readonly channelDeps?: Omit<ChannelDeps, 'secrets' | 'topicArn'>;
}): BackstopDeps {
  const envVars = options.env ?? process.env;
  const env = readBackstopEnv(envVars);
  const file = loadBackstopFile(options.dir);
  // The notifier runs in the home region, where the table, the metrics, the tokens and the alarms are.
  const region = envVars.AWS_REGION?.trim() || undefined;
  const secrets = cloudTokenStore(file.tokens ?? {}, region ? { region } : {});
  let metricClient: ReturnType<typeof createCloudWatchClient> | undefined;
  return {
    file,
    store: new IncidentStore(createStoreClient(region ? { region } : {}), env.incidentTable),
    channels: createChannels((file.notifications ?? {}) as Partial<NotificationsConfig>, {
      ...options.channelDeps,
      secrets,
      ...(env.topicArn ? { topicArn: env.topicArn } : {}),
    }),
    publishFailures: async (failures, timestamp) => {
      metricClient ??= createCloudWatchClient({ ...METRIC_CLIENT_SETTINGS, ...(region ? { config: { region } } : {}) });
      return publishNotificationFailures(failures, { namespace: file.namespace, timestamp, client: await metricClient });
    },
    ...(env.dashboard ? { dashboard: env.dashboard } : {}),
    ...(region ? { region } : {}),
  };
}

/** The Lambda context's part the notifier uses. */
export interface LambdaContextLike {
  /** "Returns the number of milliseconds left before the execution times out" (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html). */
  getRemainingTimeInMillis?(): number;
}

let dir = __dirname;
let deps: BackstopDeps | undefined;

/**
 * Where backstop.json is read from: beside backstop.js in Lambda; tests point it elsewhere. Drops
 * what the container built, so the next invocation reads the file and the environment again.
 */
export function setBackstopDirectory(next: string): void {
  dir = next;
  deps = undefined;
}

/** The Lambda handler. */
export async function handler(event: AlarmStateChangeEvent, context?: LambdaContextLike): Promise<BackstopReport> {
  deps ??= createBackstopDeps({ dir });
  const remainingMs = context?.getRemainingTimeInMillis?.();
  return handle(event, deps, typeof remainingMs === 'number' && Number.isFinite(remainingMs) ? { remainingMs } : {});
}
