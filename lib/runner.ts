/**
 * The ProbeRunner construct (docs/DESIGN.md#the-fleet-runner): one runner function per location, and one EventBridge
 * Scheduler schedule per shard invoking it with `{"shard": id}`. The shards' checks travel in the
 * function's asset (fleet.json beside index.js), not in the schedule input: the template stays small
 * for a fleet of a thousand checks, and the runner runs exactly what the CDK app validated.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { MonitorConfig } from '../contracts/config';
import { FLEET_FILE, HandlerEnvVar, usesMonitorTopic } from '../contracts/handler-env';
import { grantIncidentTable, incidentEnvironment, type RunnerIncidentProps } from './incidents';
import { fleetFile } from './fleet/file';
import type { FleetPlan } from './fleet/plan';
import { bundleAsset } from './bundle-asset';
import { functionRole, grantChannelTopics, grantTokenReads } from './function-grants';
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

    ({ logGroup: this.logGroup, role: this.role } = functionRole(this, {
      description: `synthmon runner (${props.location}): its log group, its checks' tokens, PutMetricData in ${config.namespace}`,
      namespace: config.namespace,
      logRetention: props.logRetention,
    }));
    const fleet = fleetFile(config, plan, props.incidents);
    this.wildcardSecretResources = grantTokenReads(this.role, Object.values(fleet.tokens), props.homeRegion ?? stack.region);
    if (props.incidents) {
      grantIncidentTable(this, this.role, props.incidents.tableName, props.homeRegion ?? stack.region);
      this.wildcardKeyResources = grantChannelTopics(this.role, config, {
        topic: props.topic,
        topicKey: props.topicKey,
        region: props.homeRegion ?? stack.region,
        publishSid: 'PublishNotifications',
      });
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
