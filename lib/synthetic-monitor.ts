/**
 * The SyntheticMonitor construct (DESIGN §7–8): per check a probe function, its schedule, its token
 * secret and four alarms; one SNS topic for paging and one dashboard for the whole monitor.
 * Alarms are built from lib/alarms/definitions.ts, the same data the local evaluator uses.
 */
import * as path from 'node:path';
import { ArnFormat, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Check, MonitorConfig } from '../contracts/config';
import { HandlerEnvVar, TOKEN_SECRET_PLACEHOLDER } from '../contracts/handler-env';
import { Dimension, MetricName } from '../contracts/metrics';
import type { Outcome } from '../contracts/outcomes';
import { alarmDefinitions, type AlarmDefinition, type AlarmKind } from './alarms/definitions';
import { MonitorDashboard } from './dashboard';
import { suppressMonitorFindings } from './nag';

/** The handler every probe function runs. */
export const HANDLER_ENTRY = path.join(__dirname, '..', 'lambda', 'handler.ts');

const LAMBDA_DIR = path.dirname(HANDLER_ENTRY);

/**
 * Modules the handler loads with `await import()` on its first run, not at init: each probe kind
 * (ws / undici), the event schema (zod) and the AWS SDK clients. They are left out of index.js and
 * shipped as their own minified CJS files where require() from /var/task/index.js resolves them, so
 * init parses and compiles only what it runs (V8 parses a whole file when it is required, used or not). `specifier` is
 * the import as written in lambda/ (all importers live in lambda/ itself, next to handler.ts);
 * `entry` is a source file or a package resolved from this project's node_modules — the bundled SDK
 * is the version the tests ran against, not the runtime's; `file` is the path in the asset.
 */
export const LAZY_CHUNKS = [
  { specifier: './checks/websocket', entry: path.join(LAMBDA_DIR, 'checks', 'websocket.ts'), file: 'checks/websocket.js' },
  { specifier: './checks/http', entry: path.join(LAMBDA_DIR, 'checks', 'http.ts'), file: 'checks/http.js' },
  { specifier: './event-schema', entry: path.join(LAMBDA_DIR, 'event-schema.ts'), file: 'event-schema.js' },
  {
    specifier: '@aws-sdk/client-cloudwatch',
    entry: '@aws-sdk/client-cloudwatch',
    file: 'node_modules/@aws-sdk/client-cloudwatch/index.js',
  },
  {
    specifier: '@aws-sdk/client-secrets-manager',
    entry: '@aws-sdk/client-secrets-manager',
    file: 'node_modules/@aws-sdk/client-secrets-manager/index.js',
  },
] as const;

/** Builds LAZY_CHUNKS into a bundling output directory (run by the afterBundling hook). */
export const LAZY_CHUNKS_SCRIPT = path.join(__dirname, '..', 'scripts', 'bundle-lambda-chunks.mjs');

/**
 * How the handler is bundled (local esbuild, never Docker): index.js with LAZY_CHUNKS external, then
 * the chunks themselves, built by the afterBundling hook with the same target and minification.
 * Exported so the benchmark and the tests check the very same artifact (see HANDLER_ESBUILD_OPTIONS).
 */
export const HANDLER_BUNDLING = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node24',
  format: nodejs.OutputFormat.CJS,
  bundleAwsSDK: true,
  externalModules: LAZY_CHUNKS.map((c) => c.specifier),
  esbuildArgs: {
    // esbuild keeps an external import() as is, which Node would run through the ESM loader: that
    // resolves neither "./config" (no extension) nor a package directory without package.json, and
    // may find no named exports in a minified CJS chunk. Lowered: Promise.resolve().then(() => require()).
    '--supported:dynamic-import': 'false',
  },
  forceDockerBundling: false,
  logLevel: nodejs.LogLevel.WARNING,
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => [lazyChunksCommand(outputDir)],
  },
} satisfies nodejs.BundlingOptions;

/** HANDLER_BUNDLING as esbuild build options: what NodejsFunction passes to the local esbuild for index.js. */
export const HANDLER_ESBUILD_OPTIONS = {
  entryPoints: [HANDLER_ENTRY],
  bundle: true,
  platform: 'node',
  target: HANDLER_BUNDLING.target,
  format: HANDLER_BUNDLING.format,
  minify: HANDLER_BUNDLING.minify,
  sourcemap: HANDLER_BUNDLING.sourceMap,
  sourcesContent: HANDLER_BUNDLING.sourcesContent,
  external: HANDLER_BUNDLING.externalModules,
  supported: { 'dynamic-import': false },
} as const;

/**
 * The hook's shell command. The Node running the synth (the project's Node 24, whatever `node` is
 * on PATH) builds the chunks with the project's esbuild; every argument is quoted for bash -c.
 */
function lazyChunksCommand(outputDir: string): string {
  const spec = {
    outdir: outputDir,
    chunks: LAZY_CHUNKS.map(({ entry, file }) => ({ entry, file })),
    target: HANDLER_BUNDLING.target,
    minify: HANDLER_BUNDLING.minify,
    sourcemap: HANDLER_BUNDLING.sourceMap,
    sourcesContent: HANDLER_BUNDLING.sourcesContent,
  };
  return [process.execPath, LAZY_CHUNKS_SCRIPT, JSON.stringify(spec)].map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The latest Node.js runtime this aws-cdk-lib knows (DESIGN §8). */
export const PROBE_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** A check, by name or as the configuration object. */
export type CheckRef = string | Pick<Check, 'name'>;

export interface SyntheticMonitorProps {
  /** The validated configuration (parseConfig / loadConfigFile): checks, interval, alarms, notifications. */
  readonly config: MonitorConfig;
  /** Memory of each probe function, in MB. @default 256 */
  readonly memorySizeMb?: number;
  /** Retention of each probe function's log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How long an asynchronous invocation may wait before Lambda drops it (the next scheduled run is
   * more useful than a late one). At least one minute.
   * @default Duration.minutes(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * Customer managed key for the alarm topic. It must let cloudwatch.amazonaws.com use it
   * (kms:Decrypt, kms:GenerateDataKey*); the key the construct creates does.
   * @default - a new key with rotation enabled (CloudWatch alarms cannot publish to a topic encrypted with alias/aws/sns)
   */
  readonly topicKey?: kms.IKey;
  /** Name of the dashboard. @default - generated by CloudFormation */
  readonly dashboardName?: string;
}

/** What the construct made for one check. */
interface ProbeResources {
  readonly check: Check;
  readonly fn: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly schedule: scheduler.Schedule;
  readonly secret?: secretsmanager.ISecret;
  readonly alarms: ReadonlyMap<AlarmKind, cloudwatch.Alarm>;
}

/**
 * A serverless synthetic monitor: scheduled probes of WebSocket and HTTP endpoints that publish
 * Success / Duration / Failures{Reason} metrics, alarms that page one SNS topic, and a dashboard.
 */
export class SyntheticMonitor extends Construct {
  /** The one topic every alarm (and its recovery) notifies. */
  readonly topic: sns.ITopic;
  /** The topic's encryption key. */
  readonly topicKey: kms.IKey;
  /** Every alarm, check by check, in the order of alarmDefinitions(config). */
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly dashboard: MonitorDashboard;
  readonly config: MonitorConfig;
  private readonly probes = new Map<string, ProbeResources>();

  constructor(scope: Construct, id: string, props: SyntheticMonitorProps) {
    super(scope, id);
    this.config = props.config;

    const { topic, key } = this.createTopic(props);
    this.topic = topic;
    this.topicKey = key;
    const action = new cwActions.SnsAction(topic);

    const definitions = alarmDefinitions(props.config);
    const alarms: cloudwatch.Alarm[] = [];
    for (const check of props.config.checks) {
      const scopeForCheck = new Construct(this, check.name);
      const probe = this.createProbe(scopeForCheck, check, props);
      const checkAlarms = new Map<AlarmKind, cloudwatch.Alarm>();
      for (const def of definitions.filter((d) => d.check === check.name)) {
        const alarm = this.createAlarm(scopeForCheck, def);
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
        checkAlarms.set(def.kind, alarm);
        alarms.push(alarm);
      }
      this.probes.set(check.name, { ...probe, check, alarms: checkAlarms });
    }
    this.alarms = alarms;

    this.dashboard = new MonitorDashboard(this, 'Dashboard', { monitor: this, dashboardName: props.dashboardName });
    suppressMonitorFindings(this);
  }

  /** The checks, in configuration order. */
  get checks(): readonly Check[] {
    return this.config.checks;
  }

  /** `Success` of a check: 1 ok, 0 otherwise; Average over the interval is the success ratio. */
  metricSuccess(check: CheckRef, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric(MetricName.SUCCESS, { [Dimension.CHECK]: this.probe(check).check.name }, 'Average', options);
  }

  /** `Duration` of a check's runs in milliseconds. @default statistic - Average */
  metricDuration(check: CheckRef, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric(MetricName.DURATION, { [Dimension.CHECK]: this.probe(check).check.name }, 'Average', options);
  }

  /** `Failures` of a check for one outcome (Sum = failed runs with that outcome). */
  metricFailures(check: CheckRef, reason: Outcome, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    const name = this.probe(check).check.name;
    return this.metric(MetricName.FAILURES, { [Dimension.CHECK]: name, [Dimension.REASON]: reason }, 'Sum', options);
  }

  /** One of the check's four alarms. */
  alarm(check: CheckRef, kind: AlarmKind): cloudwatch.IAlarm {
    const alarm = this.probe(check).alarms.get(kind);
    if (!alarm) throw new Error(`check "${this.probe(check).check.name}" has no ${kind} alarm`);
    return alarm;
  }

  /** The probe function of a check. */
  functionFor(check: CheckRef): lambda.IFunction {
    return this.probe(check).fn;
  }

  /** The log group of a check's probe function. */
  logGroupFor(check: CheckRef): logs.ILogGroup {
    return this.probe(check).logGroup;
  }

  /** The schedule that invokes a check's probe. */
  scheduleFor(check: CheckRef): scheduler.ISchedule {
    return this.probe(check).schedule;
  }

  /** The secret holding a check's token, when the check has auth. */
  secretFor(check: CheckRef): secretsmanager.ISecret | undefined {
    return this.probe(check).secret;
  }

  private probe(check: CheckRef): ProbeResources {
    const name = typeof check === 'string' ? check : check.name;
    const probe = this.probes.get(name);
    if (!probe) {
      throw new Error(`unknown check "${name}": the configured checks are ${[...this.probes.keys()].map((n) => `"${n}"`).join(', ')}`);
    }
    return probe;
  }

  private metric(
    metricName: string,
    dimensionsMap: Record<string, string>,
    statistic: string,
    options: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.config.namespace,
      metricName,
      dimensionsMap,
      statistic,
      period: Duration.minutes(this.config.intervalMinutes),
      ...options,
    });
  }

  private createTopic(props: SyntheticMonitorProps): { topic: sns.Topic; key: kms.IKey } {
    const key =
      props.topicKey ??
      new kms.Key(this, 'TopicKey', {
        description: 'Encrypts the synthmon alarm topic',
        enableKeyRotation: true,
      });
    // CloudWatch publishes alarm notifications as its service principal, which needs the key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'synthmon alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // The topic policy CDK writes for enforceSSL replaces SNS's default policy, so CloudWatch's
    // right to publish is stated explicitly, limited to this account's alarms.
    const stack = Stack.of(this);
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    for (const email of props.config.notifications.emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const url of props.config.notifications.httpsEndpoints) {
      topic.addSubscription(new subscriptions.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    return { topic, key };
  }

  private createProbe(scope: Construct, check: Check, props: SyntheticMonitorProps): Omit<ProbeResources, 'check' | 'alarms'> {
    const config = props.config;
    const logGroup = new logs.LogGroup(scope, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });

    // An own role instead of AWSLambdaBasicExecutionRole: write access to this log group only.
    const role = new iam.Role(scope, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `synthmon probe "${check.name}": its log group, its token secret, PutMetricData in ${config.namespace}`,
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PutMetricDataInTheMonitorNamespaceOnly',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': config.namespace } },
      }),
    );

    const token = this.tokenSecret(scope, check);
    const environment: Record<string, string> = {
      [HandlerEnvVar.NAMESPACE]: config.namespace,
      [HandlerEnvVar.PHASE_TIMINGS]: String(config.phaseTimings),
      // The bundle ships a source map, but --enable-source-maps is left off: it adds ~40 ms to every
      // cold start, and the probe reports classified outcomes, not stack traces. Set
      // NODE_OPTIONS=--enable-source-maps on the function when debugging a crash.
    };
    if (token) environment[HandlerEnvVar.TOKEN_SECRET] = token.secretId;

    const fn = new nodejs.NodejsFunction(scope, 'Function', {
      entry: HANDLER_ENTRY,
      handler: 'handler',
      runtime: PROBE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySizeMb ?? 256,
      timeout: Duration.seconds(config.functionTimeoutSeconds),
      description: truncate(`synthmon probe: ${check.kind} check "${check.name}" of ${check.url}`, 256),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment,
      // A failed run is a datapoint, not something to redo: retries would only arrive late.
      retryAttempts: 0,
      maxEventAge: props.maxEventAge ?? Duration.minutes(1),
      bundling: HANDLER_BUNDLING,
      depsLockFilePath: path.join(__dirname, '..', 'package-lock.json'),
      projectRoot: path.join(__dirname, '..'),
    });
    token?.secret.grantRead(role);

    const schedule = new scheduler.Schedule(scope, 'Schedule', {
      description: `synthmon: run check "${check.name}" every ${config.intervalMinutes} min`,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(config.intervalMinutes)),
      // Evenly spaced runs: the alarms count datapoints per period, a flexible window would blur them.
      timeWindow: scheduler.TimeWindow.off(),
      target: new InvokeLatestVersion(fn, {
        role: this.schedulerRole(scope, fn),
        // The validated check, defaults applied: the function runs exactly what the CDK app checked.
        input: scheduler.ScheduleTargetInput.fromObject({ check }),
        // Scheduler retries only a rejected Invoke call (throttling), never a failed run; within
        // the minute a retry is still on time, after it the next run is.
        retryAttempts: 2,
        maxEventAge: Duration.minutes(1),
      }),
    });

    return { fn, logGroup, schedule, ...(token ? { secret: token.secret } : {}) };
  }

  /** The role EventBridge Scheduler assumes for one schedule, limited to this account's default schedule group. */
  private schedulerRole(scope: Construct, fn: lambda.IFunction): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(scope, 'ScheduleRole', {
      description: `EventBridge Scheduler: invoke ${fn.node.path}`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });
    return role;
  }

  private tokenSecret(scope: Construct, check: Check): { secret: secretsmanager.ISecret; secretId: string } | undefined {
    if (!check.auth) return undefined;
    const ref = check.auth.secret;
    if (!ref) {
      const secret = new secretsmanager.Secret(scope, 'TokenSecret', {
        description:
          `Token for synthmon check "${check.name}". Set it after deploying: ` +
          `aws secretsmanager put-secret-value --secret-id <this secret> --secret-string '{"token":"..."}'`,
        // A placeholder, not a secret: the probe reports "token not set" until the operator sets it.
        secretStringValue: SecretValue.unsafePlainText(TOKEN_SECRET_PLACEHOLDER),
      });
      return { secret, secretId: secret.secretArn };
    }
    if ('name' in ref) {
      return { secret: secretsmanager.Secret.fromSecretNameV2(scope, 'TokenSecret', ref.name), secretId: ref.name };
    }
    // A complete ARN ends in the 6-character suffix Secrets Manager appends; a partial one lets
    // CDK grant on "<arn>-??????".
    const complete = /-[A-Za-z0-9]{6}$/.test(ref.arn);
    const secret = complete
      ? secretsmanager.Secret.fromSecretCompleteArn(scope, 'TokenSecret', ref.arn)
      : secretsmanager.Secret.fromSecretPartialArn(scope, 'TokenSecret', ref.arn);
    return { secret, secretId: ref.arn };
  }

  private createAlarm(scope: Construct, def: AlarmDefinition): cloudwatch.Alarm {
    return new cloudwatch.Alarm(scope, def.kind, {
      alarmName: `${Stack.of(this).stackName}-${def.id}`,
      alarmDescription: def.description,
      metric: new cloudwatch.Metric({
        namespace: def.metric.namespace,
        metricName: def.metric.metricName,
        dimensionsMap: { ...def.metric.dimensions },
        statistic: def.metric.statistic,
        period: Duration.seconds(def.metric.periodSeconds),
      }),
      threshold: def.threshold,
      comparisonOperator: def.comparisonOperator as cloudwatch.ComparisonOperator,
      evaluationPeriods: def.evaluationPeriods,
      datapointsToAlarm: def.datapointsToAlarm,
      treatMissingData: def.treatMissingData as cloudwatch.TreatMissingData,
    });
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

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
