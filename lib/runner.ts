/**
 * The ProbeRunner construct (docs/DESIGN.md#the-fleet-runner): one runner function per location, and one EventBridge
 * Scheduler schedule per shard invoking it with `{"shard": id}`. The shards' checks travel in the
 * function's asset (fleet.json beside index.js), not in the schedule input: the template stays small
 * for a fleet of a thousand checks, and the runner runs exactly what the CDK app validated.
 */
import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { MonitorConfig, ResolvedToken } from '../contracts/config';
import { FLEET_FILE, HandlerEnvVar, usesMonitorTopic } from '../contracts/handler-env';
import { grantIncidentTable, incidentEnvironment, type RunnerIncidentProps } from './incidents';
import { fleetFile } from './fleet/file';
import type { FleetPlan } from './fleet/plan';
import { bundleAsset } from './bundle-asset';
import { RUNNER_ASSET_FILES } from './runner-bundle';

export { HANDLER_ENTRY, HANDLER_ESBUILD_OPTIONS, LAZY_CHUNKS } from './runner-bundle';

/** The latest Node.js runtime this aws-cdk-lib knows (docs/DESIGN.md#the-fleet-runner). */
export const PROBE_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface ProbeRunnerProps {
  /** The validated configuration. */
  readonly config: MonitorConfig;
  /** Its shard plan (planFleet). */
  readonly plan: FleetPlan;
  /** The location label this runner publishes as (its region, or `default` for a single-region monitor). */
  readonly location: string;
  /** Region of the metrics and tokens. @default - the runner's own region */
  readonly homeRegion?: string;
  /** Memory of the runner function. @default 512 */
  readonly memorySizeMb?: number;
  /** Retention of the runner's log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How long an asynchronous invocation may wait before Lambda drops it (the next scheduled run is
   * more useful than a late one); dropped events are counted by the function's AsyncEventsDropped
   * metric. @default Duration.minutes(1)
   */
  readonly maxEventAge?: Duration;
  /** The incident table this runner writes (lib/incidents.ts). @default - no incident pipeline */
  readonly incidents?: RunnerIncidentProps;
  /**
   * The monitor's SNS topic, in the home region (SyntheticMonitor.topic, or one imported by its
   * fixed name, lib/alarm-topic.ts): the email channel publishes there when `emails` or
   * `httpsEndpoints` subscribe to it (then set as SYNTHMON_TOPIC_ARN, and granted). @default - no email channel topic
   */
  readonly topic?: sns.ITopic;
  /**
   * The key that encrypts `topic`. @default - `topic.masterKey`; without one (a topic imported by
   * name from another region), any key of the home region's account, used through SNS only
   */
  readonly topicKey?: kms.IKey;
}

/**
 * A runner in one location: its function (the fleet file in its asset), log group, role (write to
 * its log group, PutMetricData in the namespace only, read exactly the token parameters and secrets
 * its checks use) and one schedule per shard.
 */
export class ProbeRunner extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The schedule of each shard, by shard id. */
  readonly schedules: ReadonlyMap<string, scheduler.Schedule>;
  /**
   * The secret ARNs granted with Secrets Manager's "-??????" suffix wildcard, as cdk-nag names them
   * (intrinsics as `<AWS::Region>` etc.), for the acknowledgment in lib/nag.ts.
   */
  readonly wildcardSecretResources: readonly string[];
  /**
   * The KMS key ARNs granted as `key/*` (a runner whose topic key is not known by ARN: in another
   * region than the topic), as cdk-nag names them, for the acknowledgment in lib/nag.ts.
   */
  readonly wildcardKeyResources: readonly string[] = [];

  constructor(scope: Construct, id: string, props: ProbeRunnerProps) {
    super(scope, id);
    const { config, plan } = props;
    const stack = Stack.of(this);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    // An own role instead of AWSLambdaBasicExecutionRole: write access to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `synthmon runner (${props.location}): its log group, its checks' tokens, PutMetricData in ${config.namespace}`,
    });
    this.logGroup.grantWrite(this.role);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PutMetricDataInTheMonitorNamespaceOnly',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': config.namespace } },
      }),
    );
    const fleet = fleetFile(config, plan, props.incidents);
    this.wildcardSecretResources = grantTokenReads(this.role, Object.values(fleet.tokens), props.homeRegion ?? stack.region);
    if (props.incidents) {
      grantIncidentTable(this, this.role, props.incidents.tableName, props.homeRegion ?? stack.region);
      this.grantNotificationTopics(config, props);
    }

    this.function = new lambda.Function(this, 'Function', {
      code: bundleAsset(RUNNER_ASSET_FILES, { name: FLEET_FILE, text: JSON.stringify(fleet), hashVariable: 'SYNTHMON_FLEET_SHA256' }),
      handler: 'index.handler',
      runtime: PROBE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySizeMb ?? 512,
      timeout: Duration.seconds(plan.functionTimeoutSeconds),
      // No check names or URLs here: the description is visible to anyone who can list functions.
      description: `synthmon runner (${props.location}): ${config.checks.length} checks in ${plan.shards.length} shards`,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        [HandlerEnvVar.LOCATION]: props.location,
        ...(props.homeRegion ? { [HandlerEnvVar.HOME_REGION]: props.homeRegion } : {}),
        ...(props.incidents ? incidentEnvironment(props.incidents) : {}),
        ...(props.incidents && props.topic && usesMonitorTopic(config.notifications) ? { [HandlerEnvVar.TOPIC_ARN]: props.topic.topicArn } : {}),
      },
      // A failed run is a datapoint, not something to redo: retries would only arrive late.
      retryAttempts: 0,
      maxEventAge: props.maxEventAge ?? Duration.minutes(1),
    });

    const schedulerRole = new iam.Role(this, 'ScheduleRole', {
      description: `EventBridge Scheduler: invoke the synthmon runner (${props.location})`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });
    const target = (shard: string) =>
      new InvokeLatestVersion(this.function, {
        role: schedulerRole,
        input: scheduler.ScheduleTargetInput.fromObject({ shard, scheduledTime: scheduler.ContextAttribute.scheduledTime }),
        // Scheduler retries only a rejected Invoke call (throttling), never a failed run; within
        // the interval a retry is still on time, after it the next run is.
        retryAttempts: 2,
        maxEventAge: Duration.minutes(1),
      });

    const schedules = new Map<string, scheduler.Schedule>();
    for (const shard of plan.shards) {
      const schedule = new scheduler.Schedule(this, `Schedule-${shard.id}`, {
        description: `synthmon: run shard ${shard.id} (${shard.checks.length} checks${shard.fast ? `, ${shard.ticksPerInvocation} ticks of ${shard.intervalSeconds} s` : ''}) every ${shard.invokeEverySeconds / 60} min`,
        schedule: scheduler.ScheduleExpression.rate(Duration.seconds(shard.invokeEverySeconds)),
        // Evenly spaced runs: the alarms count datapoints per period, a flexible window would blur them.
        timeWindow: scheduler.TimeWindow.off(),
        target: target(shard.id),
      });
      // The role's policy must exist before the schedule first fires, or the first run is denied.
      schedule.node.addDependency(schedulerRole);
      schedules.set(shard.id, schedule);
    }
    this.schedules = schedules;
  }

  /**
   * Publish rights for the SNS channels (docs/DESIGN.md#notification-channels): the monitor's topic
   * when the email channel is on, the Amazon Q topic when configured; and the monitor topic's key.
   * SNS encrypts what a publisher sends with the topic's key, so the publisher needs the key too
   * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html: "Before you can use SSE, you
   * must configure AWS KMS key policies to allow encryption of topics and encryption and decryption of
   * messages"; CDK's Topic.grantPublish grants kms:Decrypt and kms:GenerateDataKey* the same way),
   * only through SNS in the topic's region: "The kms:ViaService condition key limits use of an AWS KMS key
   * to requests from specified AWS services", its value `<service>.<region>.amazonaws.com`
   * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service);
   * AWS::URLSuffix is amazonaws.com, or the partition's own suffix
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html).
   * The Amazon Q topic is the operator's: a customer managed key on it must allow this role itself.
   */
  private grantNotificationTopics(config: MonitorConfig, props: ProbeRunnerProps): void {
    const stack = Stack.of(this);
    const email = props.topic && usesMonitorTopic(config.notifications) ? props.topic : undefined;
    const topics = [...(email ? [email.topicArn] : []), ...(config.notifications.amazonQ ? [config.notifications.amazonQ.topicArn] : [])];
    if (topics.length) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'PublishNotifications', actions: ['sns:Publish'], resources: topics }));
    }
    if (!email) return;
    const region = props.homeRegion ?? stack.region;
    const key = props.topicKey ?? email.masterKey;
    const keyArn = key?.keyArn ?? stack.formatArn({ service: 'kms', region, resource: 'key', resourceName: '*' });
    if (!key) {
      const shown = (value: string, intrinsic: string) => (Token.isUnresolved(value) ? `<${intrinsic}>` : value);
      (this.wildcardKeyResources as string[]).push(
        `arn:${shown(stack.partition, 'AWS::Partition')}:kms:${shown(region, 'AWS::Region')}:${shown(stack.account, 'AWS::AccountId')}:key/*`,
      );
    }
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptForTheMonitorTopicThroughSns',
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: [keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${region}.${stack.urlSuffix}` } },
      }),
    );
  }
}

/**
 * Read access to exactly the tokens' parameters and secrets (in the home region), for the runner's
 * role and the backstop notifier's (lib/backstop.ts). Returns the secret ARNs granted with Secrets
 * Manager's "-??????" suffix wildcard, as cdk-nag names them, for the acknowledgment in lib/nag.ts.
 */
export function grantTokenReads(role: iam.IRole, tokens: readonly ResolvedToken[], region: string): string[] {
  const stack = Stack.of(role);
  const wildcards: string[] = [];
  const parameters = tokens.flatMap((t) =>
    t.parameter ? [stack.formatArn({ service: 'ssm', region, resource: 'parameter', resourceName: t.parameter.replace(/^\//, '') })] : [],
  );
  if (parameters.length) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadTokenParameters', actions: ['ssm:GetParameter'], resources: parameters }));
  }
  const secrets = tokens.flatMap((t) => {
    if (!t.secret) return [];
    if ('arn' in t.secret) {
      // A complete ARN ends in the 6-character suffix Secrets Manager appends; a partial one is granted on "<arn>-??????".
      if (/-[A-Za-z0-9]{6}$/.test(t.secret.arn)) return [t.secret.arn];
      wildcards.push(`${t.secret.arn}-??????`);
      return [`${t.secret.arn}-??????`];
    }
    const arn = stack.formatArn({
      service: 'secretsmanager',
      region,
      resource: 'secret',
      resourceName: `${t.secret.name}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const shownRegion = Token.isUnresolved(region) ? '<AWS::Region>' : region;
    wildcards.push(`arn:<AWS::Partition>:secretsmanager:${shownRegion}:<AWS::AccountId>:secret:${t.secret.name}-??????`);
    return [arn];
  });
  if (secrets.length) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadTokenSecrets', actions: ['secretsmanager:GetSecretValue'], resources: secrets }));
  }
  return wildcards;
}

/**
 * Scheduler → Lambda with invoke rights on the unqualified function only. The stock LambdaInvoke
 * target grants `<function arn>:*` (every version and alias) as well, which the schedule never needs.
 */
class InvokeLatestVersion extends schedulerTargets.ScheduleTargetBase implements scheduler.IScheduleTarget {
  constructor(
    private readonly fn: lambda.IFunction,
    props: schedulerTargets.ScheduleTargetBaseProps,
  ) {
    super(props, fn.functionArn);
  }

  protected addTargetActionToRole(role: iam.IRole): void {
    this.fn.grantInvokeLatestVersion(role);
  }
}
