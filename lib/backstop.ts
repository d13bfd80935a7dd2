/**
 * The BackstopNotifier construct (docs/DESIGN.md#backstop-deployment): the function the monitor's
 * alarm-state EventBridge rule invokes, in the home stack. It runs backstop.js from the prebuilt
 * runner bundle (lib/runner-bundle.ts), reads what each alarm means from backstop.json beside it
 * (lib/backstop-file.ts), and pages through the runner's own channels unless the incident pipeline
 * already paged or a maintenance window holds the alarm.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  BACKSTOP_FILE,
  BACKSTOP_HANDLER,
  BACKSTOP_MEMORY_MB,
  BACKSTOP_RETRY_ATTEMPTS,
  BackstopEnvVar,
  type BackstopFile,
} from '../contracts/backstop';
import { usesMonitorTopic } from '../contracts/handler-env';
import { backstopFile, type BackstopFileProps } from './backstop-file';
import { grantIncidentTable } from './incidents';
import { functionRole, grantChannelTopics, grantTokenReads } from './function-grants';
import { PROBE_RUNTIME } from './runner';
import { bundleAsset } from './bundle-asset';
import { BACKSTOP_ASSET_FILES } from './runner-bundle';

export { BACKSTOP_MEMORY_MB };
/** Its timeout: every channel's deliveries with their retries, well inside a minute. */
export const BACKSTOP_TIMEOUT = Duration.seconds(60);
/**
 * Lambda's retries of a failed asynchronous invocation, and how long an event may wait: the limits
 * are "Retry attempts – The number of times Lambda retries when the function returns an error,
 * between 0 and 2" and "Maximum age of event – The maximum amount of time Lambda retains an event in
 * the asynchronous event queue, up to 6 hours"
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html). Both retries: a
 * page is worth a second and a third try, and the notifier's delivery records send each channel at
 * most once however often it runs (contracts/backstop.ts backstopKey). One hour: a page later than
 * that is stale, and the alarm's next transition pages on its own.
 */
export { BACKSTOP_RETRY_ATTEMPTS };
export const BACKSTOP_MAX_EVENT_AGE = Duration.hours(1);

/** What backstop.json is built from (config, plan, alarm definitions and names, monitor), and where the notifier pages. */
export interface BackstopNotifierProps extends BackstopFileProps {
  /** The incident table (home region). */
  readonly table: dynamodb.ITable;
  /** The monitor's topic (the email channel publishes to it) and its key. */
  readonly topic: sns.ITopic;
  readonly topicKey: kms.IKey;
  /** The dashboard's name, for the page's console link. @default - no dashboard link */
  readonly dashboardName?: string;
  /** Retention of the notifier's log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The notifier: its function (backstop.json in its asset), log group and role (its log group, the
 * incident table's calls, the channels' tokens as the runner reads them, sns:Publish on the topics
 * the channels publish to and the monitor topic's key, PutMetricData in the namespace only).
 */
export class BackstopNotifier extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** What the notifier reads (backstop.json). */
  readonly file: BackstopFile;
  /** The secret ARNs granted with Secrets Manager's "-??????" suffix wildcard, for lib/nag.ts. */
  readonly wildcardSecretResources: readonly string[];

  constructor(scope: Construct, id: string, props: BackstopNotifierProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const emails = usesMonitorTopic(config.notifications);
    this.file = backstopFile(props);

    ({ logGroup: this.logGroup, role: this.role } = functionRole(this, {
      description: `synthmon backstop notifier: its log group, the incident table, the channels' tokens, PutMetricData in ${config.namespace}`,
      namespace: config.namespace,
      logRetention: props.logRetention,
    }));
    grantIncidentTable(this, this.role, props.table.tableName, stack.region);
    this.wildcardSecretResources = grantTokenReads(this.role, Object.values(this.file.tokens), stack.region);
    // The key is known by ARN here (the home stack's), so no `key/*` is granted.
    grantChannelTopics(this.role, config, {
      topic: props.topic,
      topicKey: props.topicKey,
      region: stack.region,
      publishSid: 'PublishToTheChannelTopics',
    });

    this.function = new lambda.Function(this, 'Function', {
      code: bundleAsset(BACKSTOP_ASSET_FILES, { name: BACKSTOP_FILE, text: JSON.stringify(this.file), hashVariable: 'SYNTHMON_BACKSTOP_SHA256' }),
      handler: BACKSTOP_HANDLER,
      runtime: PROBE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: BACKSTOP_MEMORY_MB,
      timeout: BACKSTOP_TIMEOUT,
      description: `synthmon backstop notifier: pages the alarms' transitions the incident pipeline did not (${Object.keys(this.file.alarms).length} alarms)`,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        [BackstopEnvVar.INCIDENT_TABLE]: props.table.tableName,
        ...(emails ? { [BackstopEnvVar.TOPIC_ARN]: props.topic.topicArn } : {}),
        ...(props.dashboardName ? { [BackstopEnvVar.DASHBOARD]: props.dashboardName } : {}),
      },
      retryAttempts: BACKSTOP_RETRY_ATTEMPTS,
      maxEventAge: BACKSTOP_MAX_EVENT_AGE,
    });
  }
}
